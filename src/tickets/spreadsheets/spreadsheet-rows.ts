import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { APP_CONFIG, AppConfig } from '../../platform/config/app.config';
import { SpreadsheetsClient } from '../../gateway/spreadsheets.client';
import { RetryLater } from '../../messaging';

/**
 * How long a run may hold a (sheet, ticket): longer than its two gateway calls (read back, then
 * append) can take, every attempt timing out and every retry waiting its longest. A holder that
 * outlives it is surely done or dead; a crashed holder's lease just runs out.
 */
export function leaseMsFor(gateway: AppConfig['gateway']): number {
  const worstCall =
    (gateway.retries + 1) * gateway.timeoutMs + gateway.retries * gateway.retryMaxMs * 1.2;
  return Math.ceil(2 * worstCall) + 5000;
}

/**
 * Appends a ticket's row to a sheet once. Spreadsheets has no idempotency field, so each
 * (sheet, ticket) is recorded before the append and marked appended after it; a retry that
 * finds the record still unmarked may follow an append whose answer was lost, so it reads the
 * sheet back and appends only when the row is missing. An unmarked record alone cannot tell an
 * earlier run that crashed from one appending right now, so a run reads back and appends only
 * while it holds the record's lease: two runs never both find the row missing and both append.
 */
@Injectable()
export class SpreadsheetRows {
  private readonly leaseMs: number;

  constructor(
    private readonly sheets: SpreadsheetsClient,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.leaseMs = leaseMsFor(config.gateway);
  }

  /**
   * For `deferWrites` handlers, which run outside any transaction: the record must be committed
   * before the append, so each statement here commits on its own. Inside a transaction it would
   * only commit with it, after the append, and a rollback would forget an append that happened.
   */
  async appendOnce(sheet: string, ticketId: string, columns: string[]): Promise<void> {
    if (this.txHost.isTransactionActive()) {
      throw new Error('SpreadsheetRows.appendOnce runs outside transactions: use deferWrites');
    }
    const owner = randomUUID();
    const lease = await this.takeLease(sheet, ticketId, owner);
    if (lease === 'appended') return;
    try {
      if (lease === 'first' || !(await this.sheetHasRow(sheet, ticketId))) {
        await this.sheets.appendRow(sheet, columns);
      }
    } catch (e) {
      // Let the retry take over at once instead of waiting for the lease to run out.
      await this.txHost.tx
        .query(
          `UPDATE spreadsheet_rows SET lease_owner = NULL, lease_until = NULL
            WHERE sheet = $1 AND ticket_id = $2 AND lease_owner = $3`,
          [sheet, ticketId, owner],
        )
        .catch(() => undefined); // it runs out anyway
      throw e;
    }
    await this.txHost.tx.query(
      `UPDATE spreadsheet_rows
          SET appended_at = COALESCE(appended_at, now()), lease_owner = NULL, lease_until = NULL
        WHERE sheet = $1 AND ticket_id = $2`,
      [sheet, ticketId],
    );
  }

  /**
   * Takes the (sheet, ticket) for this run: 'first' when nothing was recorded before (no row can
   * be in the sheet), 'unfinished' when an earlier run left it unmarked and its lease ran out
   * (the row may be in the sheet), 'appended' when it is done. Another run's live lease is a
   * RetryLater: that run is appending right now.
   */
  private async takeLease(
    sheet: string,
    ticketId: string,
    owner: string,
  ): Promise<'first' | 'unfinished' | 'appended'> {
    const params = [sheet, ticketId, owner, this.leaseMs];
    const inserted: unknown[] = await this.txHost.tx.query(
      `INSERT INTO spreadsheet_rows (sheet, ticket_id, lease_owner, lease_until)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (sheet, ticket_id) DO NOTHING RETURNING 1`,
      params,
    );
    if (inserted.length === 1) return 'first';
    // Guarded: of runs that race for an unfinished record, exactly one updates it (TypeORM
    // answers an UPDATE with [rows, affected]).
    const [, taken]: [unknown[], number] = await this.txHost.tx.query(
      `UPDATE spreadsheet_rows
          SET lease_owner = $3, lease_until = now() + $4 * interval '1 millisecond'
        WHERE sheet = $1 AND ticket_id = $2 AND appended_at IS NULL
          AND (lease_until IS NULL OR lease_until < now())
       RETURNING 1`,
      params,
    );
    if (taken === 1) return 'unfinished';
    const rows: { appended_at: Date | null; lease_until: Date | null }[] =
      await this.txHost.tx.query(
        'SELECT appended_at, lease_until FROM spreadsheet_rows WHERE sheet = $1 AND ticket_id = $2',
        [sheet, ticketId],
      );
    if (rows[0]?.appended_at) return 'appended';
    const until = rows[0]?.lease_until ? ` until ${rows[0].lease_until.toISOString()}` : '';
    throw new RetryLater(`another run is appending ticket ${ticketId} to ${sheet}${until}`);
  }

  private async sheetHasRow(sheet: string, ticketId: string): Promise<boolean> {
    const rows = await this.sheets.readRows(sheet);
    return rows.some((row) => row[0] === ticketId);
  }
}
