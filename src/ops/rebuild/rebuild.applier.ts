import { applyReleasing, OpsBooking, ParkedEvents } from '../ops-booking.document';
import { OpsEvent } from '../ops-event';
import {
  bookingsOfTickets,
  DocumentChange,
  loadDocuments,
  OpsTables,
  saveDocuments,
  Sql,
} from '../ops-read-model.store';

interface Cached {
  doc: OpsBooking | undefined;
  previous: OpsBooking | undefined;
  newTickets: string[];
  dirty: boolean;
}

/**
 * Projects batches of events into a set of tables with the live projection's rule. Like the live
 * projection (which parks in a table), an event whose booking or ticket is not projected yet
 * waits, here in memory, until that booking or ticket appears, so the events store's order
 * (publication time, possibly skewed between processes) does not matter either.
 */
export class RebuildApplier {
  private readonly docs = new Map<string, Cached>();
  private readonly ticketBookings = new Map<string, string>();
  private readonly waiting = new ParkedEvents();
  documentWrites = 0;

  constructor(private readonly tables: OpsTables) {}

  /** Events whose booking or ticket never appeared. */
  get unresolved(): number {
    return this.waiting.all().length;
  }

  /** Applies the events in order and writes the changed documents, in the caller's transaction. */
  async applyBatch(sql: Sql, events: OpsEvent[]): Promise<void> {
    await this.preload(sql, events);
    for (const event of events) this.apply(event);
    await this.flush(sql);
  }

  private async preload(sql: Sql, events: OpsEvent[]): Promise<void> {
    const ticketIds = events.flatMap((e) => ('booking_id' in e ? [] : [e.ticket_id]));
    const known = await bookingsOfTickets(sql, this.tables, [...new Set(ticketIds)]);
    for (const [ticket, booking] of known) this.ticketBookings.set(ticket, booking);
    const bookingIds = new Set(events.flatMap((e) => ('booking_id' in e ? [e.booking_id] : [])));
    for (const booking of known.values()) bookingIds.add(booking);
    const missing = [...bookingIds].filter((id) => !this.docs.has(id));
    const docs = await loadDocuments(sql, this.tables, missing);
    for (const id of missing) {
      const doc = docs.get(id);
      this.docs.set(id, { doc, previous: doc, newTickets: [], dirty: false });
    }
  }

  private apply(event: OpsEvent): void {
    const bookingId =
      'booking_id' in event ? event.booking_id : this.ticketBookings.get(event.ticket_id);
    const cached = bookingId === undefined ? undefined : this.docs.get(bookingId);
    const result = applyReleasing(cached?.doc, event, this.waiting.take, new Date().toISOString());
    for (const parked of result.parked) this.waiting.park(parked);
    if (!result.changed || !cached) return;
    for (const ticket of result.newTickets) this.ticketBookings.set(ticket, result.doc!.booking_id);
    cached.newTickets.push(...result.newTickets);
    Object.assign(cached, { doc: result.doc, dirty: true });
  }

  private async flush(sql: Sql): Promise<void> {
    const changes: DocumentChange[] = [];
    for (const cached of this.docs.values()) {
      if (cached.dirty)
        changes.push({
          doc: cached.doc!,
          previous: cached.previous,
          newTickets: cached.newTickets,
        });
    }
    await saveDocuments(sql, this.tables, changes);
    this.documentWrites += changes.length;
    // Everything is in the tables now; keep memory bounded by the batch, not the store.
    this.docs.clear();
    this.ticketBookings.clear();
  }
}
