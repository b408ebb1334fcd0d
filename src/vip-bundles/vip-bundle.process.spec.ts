import { randomUUID } from 'node:crypto';
import { BookingFailed_v1 } from '../bookings/events/booking-failed.event';
import { BookingMade_v1 } from '../bookings/events/booking-made.event';
import { Message, MessageRegistry } from '../messaging';
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
import { vipBundleKeys } from './vip-bundle.keys';
import { bundleOf, decide, VipBundleInput } from './vip-bundle.process';
import { initializeVipBundle, VipBundle, viewOf } from './vip-bundle.state';

const ids = {
  bundle: '11111111-1111-4111-8111-111111111111',
  booking: '22222222-2222-4222-8222-222222222222',
  show: '33333333-3333-4333-8333-333333333333',
  inbound: '44444444-4444-4444-8444-444444444444',
  return: '55555555-5555-4555-8555-555555555555',
};
const keys = vipBundleKeys(ids.bundle);
const newBundle = (overrides: Partial<Parameters<typeof initializeVipBundle>[0]> = {}) =>
  initializeVipBundle({
    vip_bundle_id: ids.bundle,
    booking_id: ids.booking,
    customer_email: 'ann@example.com',
    show_id: ids.show,
    number_of_tickets: 2,
    passengers: ['Ann', 'Bob'],
    inbound_flight_id: ids.inbound,
    return_flight_id: ids.return,
    ...overrides,
  });

// Each message at its own time, so every *_at field shows which message set it.
let clock = Date.parse('2026-12-01T10:00:00.000Z');
const at = () => new Date((clock += 1000)).toISOString();
const header = () => ({ published_at: at() });

const msg = {
  initialized: (b: VipBundle) =>
    new VipBundleInitialized_v1(
      {
        vip_bundle_id: b.vip_bundle_id,
        booking_id: b.booking_id,
        customer_email: b.customer_email,
        show_id: b.show_id,
        number_of_tickets: b.number_of_tickets,
        passengers: b.passengers,
        inbound_flight_id: b.inbound_flight_id,
        return_flight_id: b.return_flight_id,
      },
      header(),
    ),
  bookingMade: (booking_id = ids.booking) =>
    new BookingMade_v1(
      { booking_id, show_id: ids.show, number_of_tickets: 2, customer_email: 'ann@example.com' },
      header(),
    ),
  bookingFailed: (booking_id = ids.booking) =>
    new BookingFailed_v1({ booking_id, failure_reason: 'too few seats' }, header()),
  confirmed: (ticket_id = randomUUID(), booking_id = ids.booking) =>
    new TicketBookingConfirmed_v1(
      {
        ticket_id,
        booking_id,
        customer_email: 'ann@example.com',
        price: { amount: '50.00', currency: 'EUR' },
      },
      header(),
    ),
  flightBooked: (flight_id: string, ticket_ids = [randomUUID(), randomUUID()], ref = ids.bundle) =>
    new FlightBooked_v1({ flight_id, ticket_ids, reference_id: ref }, header()),
  flightFailed: (flight_id: string, ref = ids.bundle) =>
    new FlightBookingFailed_v1(
      { flight_id, failure_reason: 'no seats', reference_id: ref },
      header(),
    ),
  taxiBooked: (taxi_booking_id = randomUUID(), ref = ids.bundle) =>
    new TaxiBooked_v1({ taxi_booking_id, reference_id: ref }, header()),
  taxiFailed: (ref = ids.bundle) =>
    new TaxiBookingFailed_v1({ failure_reason: 'no taxi', reference_id: ref }, header()),
};

/** A message as the outbox sees it: its wire name, its idempotency key, its fields. */
function wire(m: Message) {
  const { header: h, ...fields } = m as Message & Record<string, unknown>;
  return { name: MessageRegistry.of(m).name, key: h.idempotency_key, ...fields };
}

/** Runs messages through decide, keeping everything sent. */
class Run {
  sent: Message[] = [];
  constructor(public bundle: VipBundle) {}

  deliver(...messages: VipBundleInput[]): Message[] {
    const out: Message[] = [];
    for (const m of messages) {
      const before = structuredClone(this.bundle);
      const d = decide(deepFreeze(this.bundle), m);
      expect(this.bundle).toEqual(before); // never changes its input
      if (!d.changed) {
        expect(d.bundle).toBe(this.bundle);
        expect(d.send).toEqual([]);
      }
      this.bundle = d.bundle;
      out.push(...d.send);
    }
    this.sent.push(...out);
    return out;
  }

  /** Delivers and expects nothing to change (a redelivery, a late duplicate). */
  noop(...messages: VipBundleInput[]): void {
    const before = this.bundle;
    expect(this.deliver(...messages)).toEqual([]);
    expect(this.bundle).toBe(before);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A bundle up to (not including) its taxi step, with the messages that got it there. */
function upTo(step: 'booking_show_tickets' | 'inbound' | 'return' | 'taxi') {
  const run = new Run(newBundle().bundle);
  const history: VipBundleInput[] = [msg.initialized(run.bundle)];
  run.deliver(history[0]);
  const showTickets = [randomUUID(), randomUUID()];
  const flights = { inbound: [randomUUID(), randomUUID()], return: [randomUUID(), randomUUID()] };
  if (step !== 'booking_show_tickets') {
    history.push(msg.bookingMade(), msg.confirmed(showTickets[0]), msg.confirmed(showTickets[1]));
  }
  if (step === 'return' || step === 'taxi') {
    history.push(msg.flightBooked(ids.inbound, flights.inbound));
  }
  if (step === 'taxi') history.push(msg.flightBooked(ids.return, flights.return));
  run.deliver(...history.slice(1));
  run.sent = [];
  return { run, history, showTickets, flights };
}

const refundsOf = (tickets: string[]) =>
  tickets.map((ticket_id) => ({
    name: 'RefundTicket',
    key: keys.refundTicket(ticket_id),
    ticket_id,
  }));
const finalized = (success: boolean) => ({
  name: 'VipBundleFinalized_v1',
  key: keys.finalized,
  vip_bundle_id: ids.bundle,
  success,
});
const cancelFlight = (leg: 'inbound' | 'return', flight_ticket_ids: string[]) => ({
  name: 'CancelFlightTickets',
  key: keys.cancelFlightTickets(leg),
  flight_ticket_ids,
});

describe('VIP bundle: a new bundle', () => {
  it('is in progress with nothing booked, and comes with its VipBundleInitialized_v1', () => {
    const { bundle, event } = newBundle();
    expect(event).toBeInstanceOf(VipBundleInitialized_v1);
    expect(wire(event)).toEqual({
      name: 'VipBundleInitialized_v1',
      key: keys.initialized,
      vip_bundle_id: ids.bundle,
      booking_id: ids.booking,
      customer_email: 'ann@example.com',
      show_id: ids.show,
      number_of_tickets: 2,
      passengers: ['Ann', 'Bob'],
      inbound_flight_id: ids.inbound,
      return_flight_id: ids.return,
    });
    expect(bundle).toMatchObject({
      step: 'initialized',
      status: 'in_progress',
      failure_reason: null,
      ticket_ids: [],
      taxi_booking_id: null,
      initialized_at: event.header.published_at,
      booking_made_at: null,
      finalized_at: null,
    });
  });

  it('shows the spec §8 fields only in its view', () => {
    const view = viewOf(newBundle().bundle);
    expect(Object.keys(view).sort()).toEqual(
      [
        'vip_bundle_id',
        'booking_id',
        'customer_email',
        'show_id',
        'number_of_tickets',
        'passengers',
        'status',
        'failure_reason',
        'ticket_ids',
        'inbound_flight_id',
        'inbound_flight_ticket_ids',
        'return_flight_id',
        'return_flight_ticket_ids',
        'taxi_booking_id',
        'refunded_ticket_ids',
        'canceled_flight_ticket_ids',
        'initialized_at',
        'booking_made_at',
        'inbound_flight_booked_at',
        'return_flight_booked_at',
        'taxi_booked_at',
        'finalized_at',
      ].sort(),
    );
  });
});

describe('VIP bundle: the success path', () => {
  it('books the show, the inbound flight, the return flight and the taxi, then finalizes once', () => {
    const run = new Run(newBundle().bundle);

    const initialized = msg.initialized(run.bundle);
    const [book] = run.deliver(initialized);
    expect(book).toBeInstanceOf(BookShowTickets);
    expect(wire(book)).toEqual({
      name: 'BookShowTickets',
      key: keys.bookShowTickets,
      booking_id: ids.booking,
      customer_email: 'ann@example.com',
      number_of_tickets: 2,
      show_id: ids.show,
    });
    expect(run.bundle.step).toBe('booking_show_tickets');

    const made = msg.bookingMade();
    const [inbound] = run.deliver(made);
    expect(inbound).toBeInstanceOf(BookFlight);
    expect(wire(inbound)).toEqual({
      name: 'BookFlight',
      key: keys.bookFlight('inbound'),
      customer_email: 'ann@example.com',
      flight_id: ids.inbound,
      passengers: ['Ann', 'Bob'],
      reference_id: ids.bundle,
      idempotency_key: keys.bookFlight('inbound'),
    });
    expect(run.bundle).toMatchObject({
      step: 'booking_inbound_flight',
      booking_made_at: made.header.published_at,
    });

    const shows = [randomUUID(), randomUUID()];
    expect(run.deliver(msg.confirmed(shows[0]), msg.confirmed(shows[1]))).toEqual([]);
    expect(run.bundle.ticket_ids).toEqual(shows);

    const inboundTickets = [randomUUID(), randomUUID()];
    const inboundBooked = msg.flightBooked(ids.inbound, inboundTickets);
    const [ret] = run.deliver(inboundBooked);
    expect(wire(ret)).toEqual({
      ...wire(inbound),
      key: keys.bookFlight('return'),
      flight_id: ids.return,
      idempotency_key: keys.bookFlight('return'),
    });
    expect(run.bundle).toMatchObject({
      step: 'booking_return_flight',
      inbound_flight_ticket_ids: inboundTickets,
      inbound_flight_booked_at: inboundBooked.header.published_at,
    });

    const returnTickets = [randomUUID(), randomUUID()];
    const returnBooked = msg.flightBooked(ids.return, returnTickets);
    const [taxi] = run.deliver(returnBooked);
    expect(taxi).toBeInstanceOf(BookTaxi);
    expect(wire(taxi)).toEqual({
      name: 'BookTaxi',
      key: keys.bookTaxi,
      customer_email: 'ann@example.com',
      customer_name: 'Ann',
      number_of_passengers: 2,
      reference_id: ids.bundle,
      idempotency_key: keys.bookTaxi,
    });
    expect(run.bundle).toMatchObject({
      step: 'booking_taxi',
      return_flight_ticket_ids: returnTickets,
      return_flight_booked_at: returnBooked.header.published_at,
    });

    const taxiId = randomUUID();
    const taxiBooked = msg.taxiBooked(taxiId);
    const [done] = run.deliver(taxiBooked);
    expect(done).toBeInstanceOf(VipBundleFinalized_v1);
    expect(wire(done)).toEqual(finalized(true));
    expect(viewOf(run.bundle)).toEqual({
      ...viewOf(newBundle().bundle),
      initialized_at: expect.any(String),
      status: 'succeeded',
      ticket_ids: shows,
      inbound_flight_ticket_ids: inboundTickets,
      return_flight_ticket_ids: returnTickets,
      taxi_booking_id: taxiId,
      booking_made_at: made.header.published_at,
      inbound_flight_booked_at: inboundBooked.header.published_at,
      return_flight_booked_at: returnBooked.header.published_at,
      taxi_booked_at: taxiBooked.header.published_at,
      finalized_at: taxiBooked.header.published_at,
    });
    expect(run.bundle.step).toBe('succeeded');

    // Every message once more, in any order: nothing changes, nothing is sent.
    run.noop(taxiBooked, returnBooked, made, initialized, inboundBooked);
    expect(run.sent.filter((m) => m instanceof VipBundleFinalized_v1)).toHaveLength(1);
  });

  it('books one flight after the other when both legs are one flight id', () => {
    const run = new Run(newBundle({ return_flight_id: ids.inbound }).bundle);
    run.deliver(msg.initialized(run.bundle), msg.bookingMade());
    const first = msg.flightBooked(ids.inbound);
    expect(run.deliver(first).map(wire)).toEqual([
      expect.objectContaining({ name: 'BookFlight', key: keys.bookFlight('return') }),
    ]);
    run.noop(first); // the inbound booking again, not the return one
    const second = msg.flightBooked(ids.inbound);
    expect(run.deliver(second).map(wire)).toEqual([expect.objectContaining({ name: 'BookTaxi' })]);
    expect(run.bundle.inbound_flight_ticket_ids).toEqual(first.ticket_ids);
    expect(run.bundle.return_flight_ticket_ids).toEqual(second.ticket_ids);
  });

  it('collects show tickets that arrive after success, refunding none', () => {
    const { run } = upTo('taxi');
    run.deliver(msg.taxiBooked());
    const late = msg.confirmed();
    expect(run.deliver(late)).toEqual([]);
    expect(run.bundle.ticket_ids).toContain(late.ticket_id);
    expect(run.bundle.refunded_ticket_ids).toEqual([]);
  });
});

describe('VIP bundle: failure and compensation', () => {
  it('show booking failed: the bundle fails, nothing to undo', () => {
    const { run } = upTo('booking_show_tickets');
    const failed = msg.bookingFailed();
    expect(run.deliver(failed).map(wire)).toEqual([finalized(false)]);
    expect(run.bundle).toMatchObject({
      step: 'failed',
      status: 'failed',
      failure_reason: 'show tickets: too few seats',
      finalized_at: failed.header.published_at,
      refunded_ticket_ids: [],
      canceled_flight_ticket_ids: [],
    });
    run.noop(failed, msg.bookingFailed());
  });

  it('inbound flight failed: every show ticket is refunded', () => {
    const { run, showTickets } = upTo('inbound');
    const failed = msg.flightFailed(ids.inbound);
    expect(run.deliver(failed).map(wire)).toEqual([...refundsOf(showTickets), finalized(false)]);
    expect(run.bundle).toMatchObject({
      status: 'failed',
      failure_reason: 'inbound flight: no seats',
      refunded_ticket_ids: showTickets,
      canceled_flight_ticket_ids: [],
    });
    expect(run.sent.filter((m) => m instanceof RefundTicket)).toHaveLength(2);
    run.noop(failed);
  });

  it('return flight failed: the inbound tickets are canceled and the show tickets refunded', () => {
    const { run, showTickets, flights } = upTo('return');
    const failed = msg.flightFailed(ids.return);
    expect(run.deliver(failed).map(wire)).toEqual([
      ...refundsOf(showTickets),
      cancelFlight('inbound', flights.inbound),
      finalized(false),
    ]);
    expect(run.bundle).toMatchObject({
      failure_reason: 'return flight: no seats',
      canceled_flight_ticket_ids: flights.inbound,
    });
    run.noop(failed);
  });

  it('taxi failed: both flights canceled, the show tickets refunded', () => {
    const { run, showTickets, flights } = upTo('taxi');
    const failed = msg.taxiFailed();
    expect(run.deliver(failed).map(wire)).toEqual([
      ...refundsOf(showTickets),
      cancelFlight('inbound', flights.inbound),
      cancelFlight('return', flights.return),
      finalized(false),
    ]);
    expect(run.bundle).toMatchObject({
      failure_reason: 'taxi: no taxi',
      canceled_flight_ticket_ids: [...flights.inbound, ...flights.return],
      taxi_booking_id: null,
    });
    run.noop(failed, msg.taxiFailed());
  });

  it('refunds show tickets confirmed after the failure as they arrive, each once', () => {
    const { run } = upTo('booking_show_tickets');
    run.deliver(msg.bookingFailed());
    const late = msg.confirmed();
    expect(run.deliver(late).map(wire)).toEqual(refundsOf([late.ticket_id]));
    run.noop(late);
    const later = msg.confirmed();
    expect(run.deliver(later).map(wire)).toEqual(refundsOf([later.ticket_id]));
    expect(run.bundle.refunded_ticket_ids).toEqual([late.ticket_id, later.ticket_id]);
    expect(run.sent.filter((m) => m instanceof VipBundleFinalized_v1)).toHaveLength(1);
  });

  it('a failure reported twice, or for a step already past, changes nothing', () => {
    const { run } = upTo('return');
    run.noop(msg.flightFailed(ids.inbound)); // the inbound flight is booked
    run.noop(msg.taxiFailed()); // no taxi asked for yet
    run.noop(msg.taxiBooked());
    run.noop(msg.flightFailed(randomUUID())); // not the bundle's flight
  });
});

describe('VIP bundle: a show booking Dead Nation refuses late (BookingFailed_v1 after BookingMade_v1)', () => {
  it('while a flight is being booked: undoes what is booked, and cancels the flight when it arrives', () => {
    const { run, showTickets, flights } = upTo('return');
    expect(run.deliver(msg.bookingFailed()).map(wire)).toEqual([
      ...refundsOf(showTickets),
      cancelFlight('inbound', flights.inbound),
      finalized(false),
    ]);
    const lateReturn = msg.flightBooked(ids.return);
    expect(run.deliver(lateReturn).map(wire)).toEqual([
      cancelFlight('return', lateReturn.ticket_ids),
    ]);
    run.noop(lateReturn);
    expect(run.sent.filter((m) => m instanceof BookTaxi)).toEqual([]);
  });

  it('while the taxi is being booked: the late taxi is canceled', () => {
    const { run } = upTo('taxi');
    run.deliver(msg.bookingFailed());
    const taxi = msg.taxiBooked();
    const cancel = run.deliver(taxi);
    expect(cancel[0]).toBeInstanceOf(CancelTaxiBooking);
    expect(cancel.map(wire)).toEqual([
      {
        name: 'CancelTaxiBooking',
        key: keys.cancelTaxiBooking,
        taxi_booking_id: taxi.taxi_booking_id,
        reference_id: ids.bundle,
      },
    ]);
    run.noop(taxi);
    expect(run.sent.filter((m) => m instanceof VipBundleFinalized_v1)).toHaveLength(1);
  });

  it('after success: undoes everything, taxi included, without finalizing a second time', () => {
    const { run, showTickets, flights } = upTo('taxi');
    const taxi = msg.taxiBooked();
    run.deliver(taxi);
    const undo = run.deliver(msg.bookingFailed());
    expect(undo.map(wire)).toEqual([
      ...refundsOf(showTickets),
      cancelFlight('inbound', flights.inbound),
      cancelFlight('return', flights.return),
      expect.objectContaining({ name: 'CancelTaxiBooking', taxi_booking_id: taxi.taxi_booking_id }),
    ]);
    expect(run.bundle).toMatchObject({ status: 'failed', step: 'failed' });
    expect(run.sent.filter((m) => m instanceof VipBundleFinalized_v1).map(wire)).toEqual([
      finalized(true),
    ]);
    run.noop(taxi, msg.bookingFailed());
  });
});

describe('VIP bundle: out of order and foreign messages', () => {
  it('collects a ticket confirmed before BookingMade_v1, and books the flight on BookingMade_v1', () => {
    const { run } = upTo('booking_show_tickets');
    const early = msg.confirmed();
    expect(run.deliver(early)).toEqual([]);
    expect(run.bundle).toMatchObject({
      step: 'booking_show_tickets',
      ticket_ids: [early.ticket_id],
    });
    expect(run.deliver(msg.bookingMade()).map((m) => wire(m).name)).toEqual(['BookFlight']);
    expect(run.bundle.ticket_ids).toEqual([early.ticket_id]);
  });

  it('takes BookingMade_v1 before its VipBundleInitialized_v1, then never asks for the booking', () => {
    const run = new Run(newBundle().bundle);
    const initialized = msg.initialized(run.bundle);
    expect(run.deliver(msg.bookingMade()).map((m) => wire(m).name)).toEqual(['BookFlight']);
    run.noop(initialized);
    expect(run.sent.some((m) => m instanceof BookShowTickets)).toBe(false);
  });

  it('ignores messages about another bundle or booking', () => {
    const { run } = upTo('taxi');
    const other = randomUUID();
    run.noop(
      msg.bookingMade(other),
      msg.bookingFailed(other),
      msg.confirmed(randomUUID(), other),
      msg.flightBooked(ids.return, undefined, other),
      msg.flightFailed(ids.return, other),
      msg.taxiBooked(undefined, other),
      msg.taxiFailed(other),
      msg.initialized({ ...run.bundle, vip_bundle_id: other }),
    );
  });

  it('finds its bundle by bundle id or booking id', () => {
    const { bundle } = newBundle();
    expect(bundleOf(msg.initialized(bundle))).toEqual({ vip_bundle_id: ids.bundle });
    expect(bundleOf(msg.flightBooked(ids.inbound))).toEqual({ vip_bundle_id: ids.bundle });
    expect(bundleOf(msg.taxiFailed())).toEqual({ vip_bundle_id: ids.bundle });
    expect(bundleOf(msg.bookingMade())).toEqual({ booking_id: ids.booking });
    expect(bundleOf(msg.confirmed())).toEqual({ booking_id: ids.booking });
  });
});

/**
 * A small world around decide: each command is answered by the events its handler would emit,
 * and every pending message is delivered in a seeded random order, each possibly twice. Whatever
 * the order, the bundle ends finalized once, every step's command went out once, and a failed
 * bundle holds nothing.
 */
describe('VIP bundle: any delivery order, any redelivery', () => {
  type Outcome = 'success' | 'booking' | 'inbound' | 'return' | 'taxi' | 'late-refusal';

  function simulate(seed: number, outcome: Outcome) {
    let s = seed;
    const random = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const { bundle, event } = newBundle();
    let state = bundle;
    const pending: VipBundleInput[] = [event];
    const sent: Message[] = [];
    const answer = (m: Message): VipBundleInput[] => {
      if (m instanceof BookShowTickets) {
        if (outcome === 'booking') return [msg.bookingFailed()];
        const made: VipBundleInput[] = [msg.bookingMade(), msg.confirmed(), msg.confirmed()];
        return outcome === 'late-refusal' ? [...made, msg.bookingFailed()] : made;
      }
      if (m instanceof BookFlight) {
        const leg = m.flight_id === ids.inbound ? 'inbound' : 'return';
        return [outcome === leg ? msg.flightFailed(m.flight_id) : msg.flightBooked(m.flight_id)];
      }
      if (m instanceof BookTaxi) return [outcome === 'taxi' ? msg.taxiFailed() : msg.taxiBooked()];
      return [];
    };
    const delivered: VipBundleInput[] = [];
    for (let n = 0; pending.length > 0 || delivered.length > 0; n++) {
      if (n > 500) throw new Error('did not settle');
      // Now and then a redelivery of something already handled.
      const redeliver = delivered.length > 0 && (pending.length === 0 || random() < 0.3);
      const m = redeliver
        ? delivered.splice(Math.floor(random() * delivered.length), 1)[0]
        : pending.splice(Math.floor(random() * pending.length), 1)[0];
      const d = decide(state, m);
      if (redeliver) expect(d.changed).toBe(false);
      else delivered.push(m);
      state = d.bundle;
      sent.push(...d.send);
      for (const out of d.send) pending.push(...answer(out));
    }
    return { state, sent };
  }

  it.each(
    (['success', 'booking', 'inbound', 'return', 'taxi', 'late-refusal'] as const).flatMap((o) =>
      [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => [o, seed] as const),
    ),
  )('%s (seed %i)', (outcome, seed) => {
    const { state, sent } = simulate(seed, outcome);
    const keysSent = sent.map((m) => m.header.idempotency_key);
    expect(new Set(keysSent).size).toBe(keysSent.length); // every step's message once
    expect(sent.filter((m) => m instanceof VipBundleFinalized_v1)).toHaveLength(1);
    expect(state.finalized_at).not.toBeNull();

    if (outcome === 'success') {
      expect(state.status).toBe('succeeded');
      expect(state.ticket_ids).toHaveLength(2);
      expect(sent.some((m) => m instanceof RefundTicket || m instanceof CancelFlightTickets)).toBe(
        false,
      );
      return;
    }
    expect(state.status).toBe('failed');
    // Everything the failed bundle got is given back, once.
    expect([...state.refunded_ticket_ids].sort()).toEqual([...state.ticket_ids].sort());
    expect([...state.canceled_flight_ticket_ids].sort()).toEqual(
      [...state.inbound_flight_ticket_ids, ...state.return_flight_ticket_ids].sort(),
    );
    expect(state.taxi_booking_id === null || state.taxi_canceled_at !== null).toBe(true);
    const booked = sent.filter((m) => m instanceof BookFlight).length;
    expect(booked).toBeLessThanOrEqual(
      { booking: 0, inbound: 1, return: 2 }[outcome as string] ?? 2,
    );
  });
});
