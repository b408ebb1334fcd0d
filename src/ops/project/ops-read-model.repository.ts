import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { OpsBooking } from '../ops-booking.document';
import {
  bookingsOfTickets,
  DocumentChange,
  LIVE_TABLES,
  loadDocuments,
  PROJECTION_LOCK,
  saveDocuments,
  Sql,
} from '../ops-read-model.store';

/** The live read model, always used inside the handling transaction. */
@Injectable()
export class OpsReadModelRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private readonly sql: Sql = (text, params) => this.txHost.tx.query(text, params);

  /**
   * Waits while a rebuild swaps its tables in; and while a rebuild runs, records the event so
   * the rebuild replays it into its new tables before the swap (none is lost).
   */
  async enterProjection(eventName: string, body: object): Promise<void> {
    await this.sql('SELECT pg_advisory_xact_lock_shared($1)', [PROJECTION_LOCK]);
    await this.sql(
      `INSERT INTO ops_rebuild_backlog (event_name, event_payload)
       SELECT $1, $2::jsonb WHERE EXISTS (SELECT 1 FROM ops_rebuild_state)`,
      [eventName, JSON.stringify(body)],
    );
  }

  async bookingOfTicket(ticketId: string): Promise<string | undefined> {
    return (await bookingsOfTickets(this.sql, LIVE_TABLES, [ticketId])).get(ticketId);
  }

  /** The document, locked until the transaction ends (read-modify-write). */
  async lock(bookingId: string): Promise<OpsBooking | undefined> {
    const docs = await loadDocuments(this.sql, LIVE_TABLES, [bookingId], { forUpdate: true });
    return docs.get(bookingId);
  }

  save(change: DocumentChange): Promise<void> {
    return saveDocuments(this.sql, LIVE_TABLES, [change]);
  }
}
