import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { OpsBooking, Parked, ParkedEvents, releasedBy, WaitKey } from '../ops-booking.document';
import {
  bookingsOfTickets,
  DocumentChange,
  keyLocks,
  keyLocksSql,
  LIVE_TABLES,
  loadDocuments,
  parkEvents,
  PROJECTION_LOCK,
  saveDocuments,
  Sql,
  takeParkedEvents,
} from '../ops-read-model.store';
import { OpsEvent } from '../ops-event';

/** The live read model, always used inside the handling transaction. */
@Injectable()
export class OpsReadModelRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private readonly sql: Sql = (text, params) => this.txHost.tx.query(text, params);

  /**
   * Waits while a rebuild swaps its tables in; and while a rebuild runs, records the event so
   * the rebuild replays it into its new tables before the swap (none is lost). Then locks the
   * parked events of the event's booking and ticket until the transaction ends: an event parking
   * for a ticket and the confirm that brings the ticket cannot run at once, so the confirm
   * either sees the parked event or the parking one sees the ticket (never neither).
   */
  async enterProjection(eventName: string, body: object, keys: WaitKey[]): Promise<void> {
    const locks = keyLocks(keys);
    await this.sql(
      `SELECT pg_advisory_xact_lock_shared($1)${locks.length ? ', ' + keyLocksSql(locks, 2) : ''}`,
      [PROJECTION_LOCK, ...locks.flat()],
    );
    await this.sql(
      `INSERT INTO ops_rebuild_backlog (event_name, event_payload)
       SELECT $1, $2::jsonb WHERE EXISTS (SELECT 1 FROM ops_rebuild_state)`,
      [eventName, JSON.stringify(body)],
    );
  }

  async bookingOfTicket(ticketId: string): Promise<string | undefined> {
    return (await bookingsOfTickets(this.sql, LIVE_TABLES, [ticketId])).get(ticketId);
  }

  /**
   * Takes out the events parked for what this event brings: a BookingMade's confirms and, locked
   * first like any ticket, the events parked for those confirms' tickets; a confirm's ticket's.
   * Call before `lock`: every projection takes its key locks before a document's row lock.
   */
  async takeReleasedBy(event: OpsEvent): Promise<ParkedEvents> {
    const released = releasedBy(event);
    if (!released) return new ParkedEvents();
    const taken = await takeParkedEvents(this.sql, [released]);
    const tickets = taken.flatMap((p) => {
      const key = releasedBy(p.event);
      return key && 'ticket_id' in key ? [key] : [];
    });
    if (tickets.length > 0) {
      const locks = keyLocks(tickets);
      await this.sql(`SELECT ${keyLocksSql(locks, 1)}`, locks.flat());
      taken.push(...(await takeParkedEvents(this.sql, tickets)));
    }
    return new ParkedEvents(taken);
  }

  park(parked: Parked[]): Promise<void> {
    return parkEvents(this.sql, parked);
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
