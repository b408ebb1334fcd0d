import { BookingFailed_v1 } from '../bookings/events/booking-failed.event';
import { BookingMade_v1 } from '../bookings/events/booking-made.event';
import { Message } from '../messaging';
import { RefundTicket } from '../refunds/refund-ticket/refund-ticket.command';
import { TicketBookingConfirmed_v1 } from '../tickets/events/ticket-booking-confirmed.event';
import { BookFlight } from './book-flight/book-flight.command';
import { BookShowTickets } from './book-show-tickets/book-show-tickets.command';
import { BookTaxi } from './book-taxi/book-taxi.command';
import { CancelFlightTickets } from './cancel-flight-tickets/cancel-flight-tickets.command';
import { CancelTaxiBooking } from './cancel-taxi-booking/cancel-taxi-booking.command';
import { FlightBooked_v1 } from './events/flight-booked.event';
import { FlightBookingFailed_v1 } from './events/flight-booking-failed.event';
import { TaxiBooked_v1 } from './events/taxi-booked.event';
import { TaxiBookingFailed_v1 } from './events/taxi-booking-failed.event';
import { VipBundleFinalized_v1 } from './events/vip-bundle-finalized.event';
import { VipBundleInitialized_v1 } from './events/vip-bundle-initialized.event';
import { FlightLeg, vipBundleKeys } from './vip-bundle.keys';
import { VipBundle } from './vip-bundle.state';

/** Every message the process listens to. */
export const VIP_BUNDLE_INPUTS = [
  VipBundleInitialized_v1,
  BookingMade_v1,
  BookingFailed_v1,
  TicketBookingConfirmed_v1,
  FlightBooked_v1,
  FlightBookingFailed_v1,
  TaxiBooked_v1,
  TaxiBookingFailed_v1,
] as const;

export type VipBundleInput = InstanceType<(typeof VIP_BUNDLE_INPUTS)[number]>;

export interface Decision {
  bundle: VipBundle;
  /** Commands and events to write to the outbox, in the transaction that stores `bundle`. */
  send: Message[];
  /** false: a redelivery, a late duplicate or a message about another bundle; store nothing. */
  changed: boolean;
}

/**
 * Which bundle a message is about: the bundle id (VipBundleInitialized_v1 and Transportation's
 * events, whose reference_id is the bundle id) or the bundle's booking id (the show booking's
 * events). Ordinary bookings have no bundle: the wiring finds none and leaves them alone.
 */
export function bundleOf(
  message: VipBundleInput,
): { vip_bundle_id: string } | { booking_id: string } {
  if (message instanceof VipBundleInitialized_v1) return { vip_bundle_id: message.vip_bundle_id };
  if ('reference_id' in message) return { vip_bundle_id: message.reference_id };
  return { booking_id: message.booking_id };
}

/**
 * The VIP bundle process (spec §8) as one pure function: the state and a message in, the next
 * state and the messages to send out. No clock (times come from the message headers), no I/O,
 * no randomness but the header ids of what it sends, whose idempotency keys are fixed per step
 * (vip-bundle.keys.ts). A message already taken into account changes nothing, so a redelivery
 * is harmless even without the processed-messages record.
 */
export function decide(bundle: VipBundle, message: VipBundleInput): Decision {
  if (!isAbout(bundle, message)) return same(bundle);
  const b = structuredClone(bundle);
  const at = message.header.published_at;
  const keys = vipBundleKeys(b.vip_bundle_id);

  if (message instanceof VipBundleInitialized_v1) {
    if (b.step !== 'initialized') return same(bundle);
    b.step = 'booking_show_tickets';
    return next(b, [
      new BookShowTickets(
        {
          booking_id: b.booking_id,
          customer_email: b.customer_email,
          number_of_tickets: b.number_of_tickets,
          show_id: b.show_id,
        },
        { idempotency_key: keys.bookShowTickets },
      ),
    ]);
  }

  if (message instanceof BookingMade_v1) {
    if (b.booking_made_at !== null) return same(bundle);
    b.booking_made_at = at;
    // Made after the bundle failed (cannot happen today: both come from one booking): the
    // tickets it confirms are refunded as they arrive.
    if (b.step === 'failed') return next(b, []);
    // 'initialized' too: the show booking was made, whichever way the command got there.
    b.step = 'booking_inbound_flight';
    return next(b, [bookFlight(b, 'inbound')]);
  }

  if (message instanceof BookingFailed_v1) {
    if (b.step === 'failed') return same(bundle);
    return next(b, fail(b, `show tickets: ${message.failure_reason}`, at));
  }

  if (message instanceof TicketBookingConfirmed_v1) {
    if (b.ticket_ids.includes(message.ticket_id)) return same(bundle);
    b.ticket_ids.push(message.ticket_id);
    // Confirmed before BookingMade_v1 (out of order) or during the trip: collected, nothing more.
    return next(b, b.step === 'failed' ? compensate(b, at) : []);
  }

  if (message instanceof FlightBooked_v1) {
    const leg = legOf(b, message);
    if (!leg) return same(bundle);
    b[`${leg}_flight_ticket_ids`] = [...message.ticket_ids];
    b[`${leg}_flight_booked_at`] = at;
    // A flight booked after the bundle failed is canceled at once.
    if (b.step === 'failed') return next(b, compensate(b, at));
    if (leg === 'inbound' && b.step === 'booking_inbound_flight') {
      b.step = 'booking_return_flight';
      return next(b, [bookFlight(b, 'return')]);
    }
    if (leg === 'return' && b.step === 'booking_return_flight') {
      b.step = 'booking_taxi';
      return next(b, [bookTaxi(b)]);
    }
    return next(b, []);
  }

  if (message instanceof FlightBookingFailed_v1) {
    const leg =
      b.step === 'booking_inbound_flight'
        ? 'inbound'
        : b.step === 'booking_return_flight'
          ? 'return'
          : null;
    if (!leg || !sameId(message.flight_id, b[`${leg}_flight_id`])) return same(bundle);
    return next(b, fail(b, `${leg} flight: ${message.failure_reason}`, at));
  }

  if (message instanceof TaxiBooked_v1) {
    if (b.taxi_booking_id !== null) return same(bundle);
    if (b.step !== 'booking_taxi' && b.step !== 'failed') return same(bundle);
    b.taxi_booking_id = message.taxi_booking_id;
    b.taxi_booked_at = at;
    if (b.step === 'failed') return next(b, compensate(b, at));
    b.step = 'succeeded';
    b.status = 'succeeded';
    return next(b, [finalize(b, true, at)]);
  }

  if (message instanceof TaxiBookingFailed_v1) {
    if (b.step !== 'booking_taxi') return same(bundle);
    return next(b, fail(b, `taxi: ${message.failure_reason}`, at));
  }

  return same(bundle);
}

const same = (bundle: VipBundle): Decision => ({ bundle, send: [], changed: false });
const next = (bundle: VipBundle, send: Message[]): Decision => ({ bundle, send, changed: true });

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function isAbout(b: VipBundle, message: VipBundleInput): boolean {
  const about = bundleOf(message);
  return 'vip_bundle_id' in about
    ? sameId(about.vip_bundle_id, b.vip_bundle_id)
    : sameId(about.booking_id, b.booking_id);
}

/**
 * Which flight of the bundle a FlightBooked_v1 is about, or null for a redelivery or a flight
 * that is not the bundle's. By the flight id, and by the tickets when both flights are one
 * (a return on the same flight id): a booking already recorded is a redelivery.
 */
function legOf(b: VipBundle, message: FlightBooked_v1): FlightLeg | null {
  const known = (ids: string[]) =>
    ids.length > 0 &&
    ids.length === message.ticket_ids.length &&
    ids.every((id, i) => sameId(id, message.ticket_ids[i]));
  if (known(b.inbound_flight_ticket_ids) || known(b.return_flight_ticket_ids)) return null;
  if (b.inbound_flight_booked_at === null && sameId(message.flight_id, b.inbound_flight_id)) {
    return 'inbound';
  }
  if (
    b.inbound_flight_booked_at !== null &&
    b.return_flight_booked_at === null &&
    sameId(message.flight_id, b.return_flight_id)
  ) {
    return 'return';
  }
  return null;
}

function bookFlight(b: VipBundle, leg: FlightLeg): BookFlight {
  const idempotency_key = vipBundleKeys(b.vip_bundle_id).bookFlight(leg);
  return new BookFlight(
    {
      customer_email: b.customer_email,
      flight_id: b[`${leg}_flight_id`],
      passengers: [...b.passengers],
      reference_id: b.vip_bundle_id,
      idempotency_key,
    },
    { idempotency_key },
  );
}

function bookTaxi(b: VipBundle): BookTaxi {
  const idempotency_key = vipBundleKeys(b.vip_bundle_id).bookTaxi;
  return new BookTaxi(
    {
      customer_email: b.customer_email,
      customer_name: b.passengers[0],
      number_of_passengers: b.passengers.length,
      reference_id: b.vip_bundle_id,
      idempotency_key,
    },
    { idempotency_key },
  );
}

/**
 * The bundle fails: everything it holds is undone, and it is finalized unless it already was
 * (a show booking Dead Nation refuses after the taxi: VipBundleFinalized_v1 stays the one sent).
 */
function fail(b: VipBundle, reason: string, at: string): Message[] {
  b.step = 'failed';
  b.status = 'failed';
  b.failure_reason = reason;
  const undo = compensate(b, at);
  return b.finalized_at === null ? [...undo, finalize(b, false, at)] : undo;
}

/**
 * Undoes what the failed bundle holds and has not undone yet: each show ticket refunded once,
 * each flight's tickets canceled once, the taxi canceled once. Called again as late
 * confirmations and bookings arrive, it undoes only those.
 */
function compensate(b: VipBundle, at: string): Message[] {
  const keys = vipBundleKeys(b.vip_bundle_id);
  const out: Message[] = [];
  for (const ticket_id of b.ticket_ids) {
    if (b.refunded_ticket_ids.includes(ticket_id)) continue;
    b.refunded_ticket_ids.push(ticket_id);
    out.push(new RefundTicket({ ticket_id }, { idempotency_key: keys.refundTicket(ticket_id) }));
  }
  for (const leg of ['inbound', 'return'] as const) {
    const ids = b[`${leg}_flight_ticket_ids`].filter(
      (id) => !b.canceled_flight_ticket_ids.includes(id),
    );
    if (ids.length === 0) continue;
    b.canceled_flight_ticket_ids.push(...ids);
    out.push(
      new CancelFlightTickets(
        { flight_ticket_ids: ids },
        { idempotency_key: keys.cancelFlightTickets(leg) },
      ),
    );
  }
  if (b.taxi_booking_id !== null && b.taxi_canceled_at === null) {
    b.taxi_canceled_at = at;
    out.push(
      new CancelTaxiBooking(
        { taxi_booking_id: b.taxi_booking_id, reference_id: b.vip_bundle_id },
        { idempotency_key: keys.cancelTaxiBooking },
      ),
    );
  }
  return out;
}

function finalize(b: VipBundle, success: boolean, at: string): VipBundleFinalized_v1 {
  b.finalized_at = at;
  return new VipBundleFinalized_v1(
    { vip_bundle_id: b.vip_bundle_id, success },
    { idempotency_key: vipBundleKeys(b.vip_bundle_id).finalized },
  );
}
