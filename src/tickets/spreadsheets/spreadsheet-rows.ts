import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { APP_CONFIG, AppConfig } from '../../platform/config/app.config';
import { GatewayError } from '../../gateway/gateway.error';
import { SpreadsheetsClient } from '../../gateway/spreadsheets.client';
import { RetryLater } from '../../messaging';

/**
 * How long a run may hold a (sheet, ticket): longer than its two gateway calls (read back, then
 * append) can take, every attempt timing out and every retry waiting its longest. A holder that
 * outlives it is surely done or dead, and an append it gave up on (kept under its lease) has long
 * had the time to land; a crashed holder's lease just runs out.
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
    let appending = false;
    try {
      if (lease === 'first' || !(await this.sheetHasRow(sheet, ticketId))) {
        appending = true;
        await this.sheets.appendRow(sheet, columns);
      }
    } catch (e) {
      // An append that got no answer may still be on its way to the sheet: a retry that read
      // the sheet back now could miss its row and append a second. So its lease stays until it
      // runs out (it outlasts the call), held by no run: a retry may only find the row landed.
      // After any other failure nothing more can land: the retry takes over at once.
      const inDoubt = appending && mayStillLand(e);
      await this.release(sheet, ticketId, owner, { keepUntil: inDoubt });
      throw e;
    }
    await this.markAppended(sheet, ticketId);
  }

  private async markAppended(sheet: string, ticketId: string): Promise<void> {
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
   * (the row may be in the sheet), 'appended' when it is done (or a timed-out append's row is
   * found landed). Another run's live lease is a RetryLater: that run is appending right now, or
   * its append that got no answer may still land.
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
    const rows: {
      appended_at: Date | null;
      lease_owner: string | null;
      lease_until: Date | null;
    }[] = await this.txHost.tx.query(
      `SELECT appended_at, lease_owner, lease_until FROM spreadsheet_rows
          WHERE sheet = $1 AND ticket_id = $2`,
      [sheet, ticketId],
    );
    if (rows[0]?.appended_at) return 'appended';
    const until = rows[0]?.lease_until ? ` until ${rows[0].lease_until.toISOString()}` : '';
    if (rows[0] && rows[0].lease_owner === null) {
      // An append that got no answer: a row found in the sheet is surely it (a missing one may
      // still come), so finding it ends the wait at once.
      if (await this.sheetHasRow(sheet, ticketId)) {
        await this.markAppended(sheet, ticketId);
        return 'appended';
      }
      throw new RetryLater(`an append of ticket ${ticketId} to ${sheet} may still land${until}`);
    }
    throw new RetryLater(`another run is appending ticket ${ticketId} to ${sheet}${until}`);
  }

  /** `keepUntil`: nobody holds the record, yet nobody may take it before the lease ran out. */
  private async release(
    sheet: string,
    ticketId: string,
    owner: string,
    { keepUntil }: { keepUntil: boolean },
  ): Promise<void> {
    const until = keepUntil ? 'lease_until' : 'NULL';
    await this.txHost.tx
      .query(
        `UPDATE spreadsheet_rows SET lease_owner = NULL, lease_until = ${until}
          WHERE sheet = $1 AND ticket_id = $2 AND lease_owner = $3`,
        [sheet, ticketId, owner],
      )
      .catch(() => undefined); // it runs out anyway
  }

  private async sheetHasRow(sheet: string, ticketId: string): Promise<boolean> {
    const rows = await this.sheets.readRows(sheet);
    return rows.some((row) => row[0] === ticketId);
  }
}

/**
 * A call the service never answered (timeout, reset connection) may still be handled after the
 * app gave up on it. One it answered, even with a 5xx, is over: reading back tells what it did.
 */
function mayStillLand(e: unknown): boolean {
  return !(e instanceof GatewayError && e.status !== undefined);
}
