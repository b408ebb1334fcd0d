import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '../../config/app.config';
import { SpreadsheetsClient } from '../../gateway/spreadsheets.client';

/**
 * Appends a ticket's row to a sheet once. Spreadsheets has no idempotency field, so each
 * (sheet, ticket) is recorded before the append and marked appended after it; a retry that
 * finds the record still unmarked may follow an append whose answer was lost, so it reads the
 * sheet back and appends only when the row is missing.
 */
@Injectable()
export class SpreadsheetRows implements OnModuleDestroy {
  /**
   * The record must be committed before the append and survive the handler's transaction
   * rolling back, so it is written on connections of its own. A separate small pool, because
   * taking a second connection from the handlers' pool could starve it: every handler would hold
   * one and wait for another.
   */
  private readonly ledger: Pool;

  constructor(
    private readonly sheets: SpreadsheetsClient,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ledger = new Pool({
      connectionString: config.postgresUrl,
      max: 2,
      connectionTimeoutMillis: 3000,
    });
    this.ledger.on('error', () => undefined); // an idle connection lost; the next query reconnects
  }

  async appendOnce(sheet: string, ticketId: string, columns: string[]): Promise<void> {
    const previous = await this.recordIntent(sheet, ticketId);
    if (previous === 'appended') return;
    if (previous === 'none' || !(await this.sheetHasRow(sheet, ticketId))) {
      await this.sheets.appendRow(sheet, columns);
    }
    await this.txHost.tx.query(
      'UPDATE spreadsheet_rows SET appended_at = now() WHERE sheet = $1 AND ticket_id = $2',
      [sheet, ticketId],
    );
  }

  /** What an earlier attempt left: nothing, an unfinished append, or a finished one. */
  private async recordIntent(
    sheet: string,
    ticketId: string,
  ): Promise<'none' | 'pending' | 'appended'> {
    const inserted = await this.ledger.query(
      `INSERT INTO spreadsheet_rows (sheet, ticket_id) VALUES ($1, $2)
       ON CONFLICT (sheet, ticket_id) DO NOTHING RETURNING 1`,
      [sheet, ticketId],
    );
    if (inserted.rowCount === 1) return 'none';
    const { rows } = await this.ledger.query(
      'SELECT appended_at FROM spreadsheet_rows WHERE sheet = $1 AND ticket_id = $2',
      [sheet, ticketId],
    );
    return rows[0]?.appended_at ? 'appended' : 'pending';
  }

  private async sheetHasRow(sheet: string, ticketId: string): Promise<boolean> {
    const rows = await this.sheets.readRows(sheet);
    return rows.some((row) => row[0] === ticketId);
  }

  async onModuleDestroy(): Promise<void> {
    await this.ledger.end();
  }
}
