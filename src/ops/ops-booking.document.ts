import { OpsEvent } from './ops-event';

/** One ticket of an ops booking document (spec §5). Times are RFC 3339 strings. */
export interface OpsTicket {
  price_amount: string;
  price_currency: string;
  customer_email: string;
  confirmed_at: string | null;
  receipt_issued_at: string | null;
  receipt_number: string | null;
  printed_at: string | null;
  printed_file_name: string | null;
  refunded_at: string | null;
}

/** The document operations staff read for one booking (spec §5). */
export interface OpsBooking {
  booking_id: string;
  booked_at: string;
  last_update: string;
  tickets: Record<string, OpsTicket>;
}

/** A booking or ticket an event can wait for. */
export type WaitKey = { booking_id: string } | { ticket_id: string };

/**
 * The event needs a booking or ticket that is not in the read model yet. The event is parked
 * until that booking or ticket arrives (live in `ops_pending_events`, in a rebuild in memory).
 */
export class NotProjectedYetError extends Error {
  constructor(readonly waitsFor: WaitKey) {
    super(
      'booking_id' in waitsFor
        ? `booking ${waitsFor.booking_id} is not in the ops read model yet`
        : `ticket ${waitsFor.ticket_id} is not in any ops booking yet`,
    );
  }
}

export interface Applied {
  doc: OpsBooking;
  /** false: the event brought nothing new (a redelivery, or older than what the document holds) */
  changed: boolean;
}

/**
 * The one rule of the read model, shared by the live projection and the rebuild so that both give
 * the same documents. It must not depend on the order events arrive in, and applying an event
 * twice must change nothing. So each part of a document keeps the value of the latest event
 * that sets it (by event time; on a tie the value already there stays), and `booked_at` the
 * earliest. `doc` is the booking's current document, undefined when there is none.
 */
export function applyOpsEvent(doc: OpsBooking | undefined, event: OpsEvent, now: string): Applied {
  if (event.type === 'BookingMade') {
    if (!doc) {
      const created = { booking_id: event.booking_id, booked_at: event.published_at, tickets: {} };
      return { doc: { ...created, last_update: now }, changed: true };
    }
    if (!isLater(doc.booked_at, event.published_at)) return { doc, changed: false };
    return { doc: { ...doc, booked_at: event.published_at, last_update: now }, changed: true };
  }
  if (!doc) {
    if (event.type === 'TicketBookingConfirmed') {
      throw new NotProjectedYetError({ booking_id: event.booking_id });
    }
    throw new NotProjectedYetError({ ticket_id: event.ticket_id });
  }
  const ticket = doc.tickets[event.ticket_id];
  const updated = updateTicket(ticket, event);
  if (updated === ticket) return { doc, changed: false };
  const tickets = { ...doc.tickets, [event.ticket_id]: updated };
  return { doc: { ...doc, tickets, last_update: now }, changed: true };
}

/** An event that cannot be applied yet, and what it waits for. */
export interface Parked {
  waitsFor: WaitKey;
  event: OpsEvent;
}

export interface Converged {
  doc: OpsBooking | undefined;
  changed: boolean;
  /** tickets that entered the document (their booking goes to the ticket → booking table) */
  newTickets: string[];
  /** the events that still wait, to park: this one, or released ones that cannot go yet */
  parked: Parked[];
}

/** The booking or ticket whose arrival this event brings: what was parked for it can go. */
export function releasedBy(event: OpsEvent): WaitKey | undefined {
  if (event.type === 'BookingMade') return { booking_id: event.booking_id };
  if (event.type === 'TicketBookingConfirmed') return { ticket_id: event.ticket_id };
  return undefined;
}

/** What this event needs in the document before it can be applied, if anything. */
export function waitsForOf(event: OpsEvent): WaitKey | undefined {
  if (event.type === 'BookingMade') return undefined;
  if (event.type === 'TicketBookingConfirmed') return { booking_id: event.booking_id };
  return { ticket_id: event.ticket_id };
}

/**
 * The bookings and tickets whose parked events this event may write or read: what it may wait
 * for (and park under) and what it releases. Projections touching the same key must not run at
 * once (see the store).
 */
export function keysOf(event: OpsEvent): WaitKey[] {
  return [waitsForOf(event), releasedBy(event)].filter((k): k is WaitKey => k !== undefined);
}

/**
 * Applies an event, then every parked event its arrival releases, and what those release in
 * turn (a BookingMade its confirms, a confirm its ticket's receipts, prints and refunds). So the
 * document converges in one pass whatever order the events come in. `takeParked` removes and
 * gives the events parked for a key; an event that still cannot be applied is returned to park.
 */
export function applyReleasing(
  doc: OpsBooking | undefined,
  event: OpsEvent,
  takeParked: (key: WaitKey) => OpsEvent[],
  now: string,
): Converged {
  const result: Converged = { doc, changed: false, newTickets: [], parked: [] };
  const queue = [event];
  for (let next = queue.shift(); next; next = queue.shift()) {
    try {
      const applied = applyOpsEvent(result.doc, next, now);
      if (applied.changed) {
        if (next.type === 'TicketBookingConfirmed' && !result.doc?.tickets[next.ticket_id]) {
          result.newTickets.push(next.ticket_id);
        }
        Object.assign(result, { doc: applied.doc, changed: true });
      }
    } catch (e) {
      if (!(e instanceof NotProjectedYetError)) throw e;
      result.parked.push({ waitsFor: e.waitsFor, event: next });
      continue;
    }
    // Even an event that changed nothing (a redelivery) releases: what waits must not stay.
    const released = releasedBy(next);
    if (released) queue.push(...takeParked(released));
  }
  return result;
}

/** Events parked by what they wait for; `take` serves as applyReleasing's `takeParked`. */
export class ParkedEvents {
  private readonly byKey = new Map<string, Parked[]>();

  constructor(parked: Parked[] = []) {
    for (const p of parked) this.park(p);
  }

  park(parked: Parked): void {
    const key = keyText(parked.waitsFor);
    const list = this.byKey.get(key);
    if (list) list.push(parked);
    else this.byKey.set(key, [parked]);
  }

  readonly take = (waitsFor: WaitKey): OpsEvent[] => {
    const key = keyText(waitsFor);
    const parked = this.byKey.get(key) ?? [];
    this.byKey.delete(key);
    return parked.map((p) => p.event);
  };

  /** Everything still parked. */
  all(): Parked[] {
    return [...this.byKey.values()].flat();
  }
}

/** A UUID names one thing in any letter case (spec §9); the parked table gives it lower-case. */
function keyText(key: WaitKey): string {
  return 'booking_id' in key
    ? `b:${key.booking_id.toLowerCase()}`
    : `t:${key.ticket_id.toLowerCase()}`;
}

function updateTicket(ticket: OpsTicket | undefined, event: OpsEvent): OpsTicket {
  if (event.type === 'TicketBookingConfirmed') {
    if (ticket && !isLater(event.published_at, ticket.confirmed_at)) return ticket;
    return {
      ...(ticket ?? unconfirmedTicket()),
      price_amount: event.price.amount,
      price_currency: event.price.currency,
      customer_email: event.customer_email,
      confirmed_at: event.published_at,
    };
  }
  if (event.type === 'BookingMade') return ticket!;
  if (!ticket) throw new NotProjectedYetError({ ticket_id: event.ticket_id });
  switch (event.type) {
    case 'TicketReceiptIssued':
      if (!isLater(event.issued_at, ticket.receipt_issued_at)) return ticket;
      return {
        ...ticket,
        receipt_issued_at: event.issued_at,
        receipt_number: event.receipt_number,
      };
    case 'TicketPrinted':
      if (!isLater(event.published_at, ticket.printed_at)) return ticket;
      return { ...ticket, printed_at: event.published_at, printed_file_name: event.file_name };
    case 'TicketRefunded':
      if (!isLater(event.published_at, ticket.refunded_at)) return ticket;
      return { ...ticket, refunded_at: event.published_at };
  }
}

function unconfirmedTicket(): OpsTicket {
  return {
    price_amount: '',
    price_currency: '',
    customer_email: '',
    confirmed_at: null,
    receipt_issued_at: null,
    receipt_number: null,
    printed_at: null,
    printed_file_name: null,
    refunded_at: null,
  };
}

function isLater(candidate: string, current: string | null): boolean {
  return current === null || Date.parse(candidate) > Date.parse(current);
}

/** The UTC dates (YYYY-MM-DD) on which a receipt of one of the booking's tickets was issued. */
export function receiptDates(doc: OpsBooking | undefined): string[] {
  if (!doc) return [];
  const dates = new Set<string>();
  for (const ticket of Object.values(doc.tickets)) {
    if (ticket.receipt_issued_at) {
      dates.add(new Date(ticket.receipt_issued_at).toISOString().slice(0, 10));
    }
  }
  return [...dates].sort();
}
