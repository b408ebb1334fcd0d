import { applyOpsEvent, NotProjectedYetError, OpsBooking } from '../ops-booking.document';
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
 * Projects batches of events into a set of tables with the live projection's rule. Where the live
 * projection fails and retries an event whose booking or ticket is not projected yet, this
 * keeps the event waiting until that booking or ticket appears, so the events store's order
 * (publication time, possibly skewed between processes) does not matter either.
 */
export class RebuildApplier {
  private readonly docs = new Map<string, Cached>();
  private readonly ticketBookings = new Map<string, string>();
  private readonly waiting = new Map<string, OpsEvent[]>();
  documentWrites = 0;

  constructor(private readonly tables: OpsTables) {}

  /** Events whose booking or ticket never appeared. */
  get unresolved(): number {
    let n = 0;
    for (const events of this.waiting.values()) n += events.length;
    return n;
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
    try {
      const { doc, changed } = applyOpsEvent(cached?.doc, event, new Date().toISOString());
      if (changed && cached) {
        if (event.type === 'TicketBookingConfirmed' && !cached.doc?.tickets[event.ticket_id]) {
          cached.newTickets.push(event.ticket_id);
          this.ticketBookings.set(event.ticket_id, doc.booking_id);
        }
        Object.assign(cached, { doc, dirty: true });
      }
    } catch (e) {
      if (!(e instanceof NotProjectedYetError)) throw e;
      const key = JSON.stringify(e.waitsFor);
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), event]);
      return;
    }
    // What waited for this booking or ticket can go now (its document is in the cache).
    const released =
      event.type === 'BookingMade'
        ? { booking_id: event.booking_id }
        : event.type === 'TicketBookingConfirmed'
          ? { ticket_id: event.ticket_id }
          : undefined;
    const key = released && JSON.stringify(released);
    const waiters = key ? this.waiting.get(key) : undefined;
    if (waiters) {
      this.waiting.delete(key!);
      for (const waiter of waiters) this.apply(waiter);
    }
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
