import { vipBundleKeys } from '../../src/vip-bundles/vip-bundle.keys';
import { initializeVipBundle, VipBundle } from '../../src/vip-bundles/vip-bundle.state';
import { CallCount, FlightTicket, TaxiBooking } from '../../simulator/simulator-state';
import {
  bundlesFinished,
  compensatedTickets,
  failuresCompensated,
  TRANSPORT,
  tripBookedOnce,
  VipFacts,
} from './vip-checker';

/**
 * The VIP verdicts on made-up facts: a clean run passes, and each way a bundle can go wrong
 * (stuck, finalized twice, a flight booked twice, a step booked after the failure, something
 * left un-undone or undone twice) fails the verdict it belongs to, naming the bundle.
 */
const AT = '2026-12-01T20:00:00.000Z';
let seq = 0;
const id = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function bundle(status: 'succeeded' | 'failed' | 'in_progress', reason?: string): VipBundle {
  const { bundle: b } = initializeVipBundle({
    vip_bundle_id: id(),
    booking_id: id(),
    customer_email: 'ada@example.com',
    show_id: id(),
    number_of_tickets: 2,
    passengers: ['Ada', 'Charles'],
    inbound_flight_id: id(),
    return_flight_id: id(),
  });
  b.status = status;
  b.step = status === 'in_progress' ? 'booking_return_flight' : status;
  b.failure_reason = reason ?? null;
  if (reason?.startsWith('show tickets')) return b;
  b.booking_made_at = AT;
  b.ticket_ids = [id(), id()];
  if (status !== 'in_progress') b.finalized_at = AT;
  return b;
}

/** Transportation's bookings for `legs` of bundle `b`, canceled when `canceled`. */
function tripOf(b: VipBundle, legs: Array<'inbound' | 'return' | 'taxi'>, canceled: boolean) {
  const keys = vipBundleKeys(b.vip_bundle_id);
  const flights: FlightTicket[] = [];
  const taxis: TaxiBooking[] = [];
  const calls: CallCount[] = [];
  const call = (endpoint: string, key: string): CallCount => ({
    service: 'transportation',
    endpoint,
    key,
    calls: 1,
    answered: 1,
  });
  for (const leg of legs) {
    if (leg === 'taxi') {
      const booking_id = id();
      b.taxi_booking_id = booking_id;
      taxis.push({
        booking_id,
        customer_email: b.customer_email,
        number_of_passengers: 2,
        passenger_name: 'Ada',
        reference_id: b.vip_bundle_id,
        idempotency_key: keys.bookTaxi,
        booked_at: AT,
        canceled_at: canceled ? AT : null,
      });
      calls.push(call(TRANSPORT.bookTaxi, keys.bookTaxi));
      if (canceled) calls.push(call(TRANSPORT.cancelTaxi, booking_id));
      continue;
    }
    const tickets = b.passengers.map((passenger_name) => ({
      ticket_id: id(),
      flight_id: b[`${leg}_flight_id`],
      passenger_name,
      customer_email: b.customer_email,
      reference_id: b.vip_bundle_id,
      idempotency_key: keys.bookFlight(leg),
      booked_at: AT,
      canceled_at: canceled ? AT : null,
    }));
    b[`${leg}_flight_ticket_ids`] = tickets.map((t) => t.ticket_id);
    flights.push(...tickets);
    calls.push(call(TRANSPORT.bookFlight, keys.bookFlight(leg)));
    if (canceled) {
      for (const t of tickets) calls.push(call(TRANSPORT.cancelFlight, t.ticket_id));
    }
  }
  return { flights, taxis, calls };
}

/** A clean run: one bundle succeeded, one failed at its taxi and undid both flights and tickets. */
function cleanRun() {
  const ok = bundle('succeeded');
  const okTrip = tripOf(ok, ['inbound', 'return', 'taxi'], false);
  const bad = bundle('failed', 'taxi: no taxi available');
  const badTrip = tripOf(bad, ['inbound', 'return'], true);
  const keys = vipBundleKeys(bad.vip_bundle_id);
  bad.refunded_ticket_ids = [...bad.ticket_ids];
  const facts: VipFacts = {
    accepted: [ok.vip_bundle_id, bad.vip_bundle_id],
    bundles: [ok, bad],
    finalized: new Map([
      [ok.vip_bundle_id, 1],
      [bad.vip_bundle_id, 1],
    ]),
    compensations: new Map([
      [keys.cancelFlightTickets('inbound'), 1],
      [keys.cancelFlightTickets('return'), 1],
      ...bad.ticket_ids.map((t) => [keys.refundTicket(t), 1] as [string, number]),
    ]),
    bookings: new Set([ok.booking_id, bad.booking_id]),
    deadNation: [ok, bad].map((b) => ({ booking_id: b.booking_id, ticket_ids: b.ticket_ids })),
    refunds: new Map(bad.ticket_ids.map((t) => [t, 1])),
    flightTickets: [...okTrip.flights, ...badTrip.flights],
    taxiBookings: [...okTrip.taxis, ...badTrip.taxis],
    calls: [...okTrip.calls, ...badTrip.calls],
  };
  return { facts, ok, bad };
}

const none = new Set<string>();

describe('the VIP bundle verdicts', () => {
  it('pass on a run where every bundle finished and the failed one undid everything once', () => {
    const { facts, bad } = cleanRun();
    expect(bundlesFinished(facts)).toMatchObject({ pass: true, evidence: [] });
    expect(tripBookedOnce(facts)).toMatchObject({ pass: true, evidence: [] });
    expect(failuresCompensated(facts, none)).toMatchObject({ pass: true, evidence: [] });
    expect(compensatedTickets(facts)).toEqual(new Set(bad.ticket_ids));
  });

  it('fail a bundle stuck mid-process, one lost, and one finalized twice', () => {
    const { facts, ok } = cleanRun();
    const stuck = bundle('in_progress');
    const lost = id();
    facts.bundles.push(stuck);
    facts.accepted.push(stuck.vip_bundle_id, lost);
    facts.finalized.set(stuck.vip_bundle_id, 0);
    facts.finalized.set(ok.vip_bundle_id, 2);
    const v = bundlesFinished(facts);
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual(
      expect.arrayContaining([
        `${lost}: answered 201, then lost`,
        `${stuck.vip_bundle_id}: still in progress at booking_return_flight`,
        `${ok.vip_bundle_id} (succeeded): VipBundleFinalized_v1 2 times`,
      ]),
    );
  });

  it('fail a bundle that succeeded without its taxi or its Dead Nation booking', () => {
    const { facts, ok } = cleanRun();
    ok.taxi_booking_id = null;
    facts.deadNation = facts.deadNation.filter((d) => d.booking_id !== ok.booking_id);
    const v = bundlesFinished(facts);
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual([
      `${ok.vip_bundle_id}: succeeded without its Dead Nation booking, taxi`,
    ]);
  });

  it('fail a flight booked twice (a second key) and a taxi booked twice', () => {
    const { facts, ok } = cleanRun();
    const again = facts.flightTickets
      .filter((t) => t.reference_id === ok.vip_bundle_id)
      .slice(0, 2)
      .map((t) => ({ ...t, ticket_id: id(), idempotency_key: `${t.idempotency_key}:again` }));
    facts.flightTickets.push(...again);
    facts.calls.push({
      service: 'transportation',
      endpoint: TRANSPORT.bookFlight,
      key: again[0].idempotency_key,
      calls: 1,
      answered: 1,
    });
    facts.taxiBookings.push({ ...facts.taxiBookings[0], booking_id: id() });
    const v = tripBookedOnce(facts);
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`${ok.vip_bundle_id}: ${TRANSPORT.bookFlight} under a foreign key`),
        `${ok.vip_bundle_id}: 2 taxis booked`,
      ]),
    );
  });

  it('counts a call answered twice under its own key as one booking', () => {
    const { facts } = cleanRun();
    facts.calls = facts.calls.map((c) => ({ ...c, calls: 2, answered: 2 }));
    const v = tripBookedOnce(facts);
    expect(v.pass).toBe(true);
    expect(v.detail).toContain('more than once 5');
  });

  it('fail a bundle that booked its taxi after its return flight failed', () => {
    const { facts } = cleanRun();
    const b = bundle('failed', 'return flight: no seats');
    const trip = tripOf(b, ['inbound', 'taxi'], true);
    facts.bundles.push(b);
    facts.finalized.set(b.vip_bundle_id, 1);
    facts.calls.push(...trip.calls);
    const v = tripBookedOnce(facts);
    expect(v.evidence).toEqual([
      `${b.vip_bundle_id}: failed at the return, booked a later step anyway`,
    ]);
  });

  it('fail a failed bundle that left a flight ticket booked and refunded a show ticket twice', () => {
    const { facts, bad } = cleanRun();
    const kept = facts.flightTickets.find((t) => t.reference_id === bad.vip_bundle_id)!;
    kept.canceled_at = null;
    facts.calls = facts.calls.filter((c) => c.key !== kept.ticket_id);
    facts.refunds.set(bad.ticket_ids[0], 2);
    const v = failuresCompensated(facts, none);
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual([
      `${bad.vip_bundle_id}: flight ticket ${kept.ticket_id} never canceled`,
      `${bad.vip_bundle_id}: show ticket ${bad.ticket_ids[0]} refunded 2 times at Payments, asked 1 times`,
    ]);
  });

  it('fail a compensation sent twice, and a succeeded bundle that undid something', () => {
    const { facts, ok, bad } = cleanRun();
    facts.compensations.set(vipBundleKeys(bad.vip_bundle_id).cancelFlightTickets('inbound'), 2);
    facts.refunds.set(ok.ticket_ids[0], 1);
    const v = failuresCompensated(facts, none);
    expect(v.evidence).toEqual([
      `${ok.vip_bundle_id} (succeeded): undid ${ok.ticket_ids[0]}`,
      `${bad.vip_bundle_id}: inbound flight canceled 2 times`,
    ]);
    // The customer asked for that refund: not the bundle undoing itself.
    facts.compensations.set(vipBundleKeys(bad.vip_bundle_id).cancelFlightTickets('inbound'), 1);
    expect(failuresCompensated(facts, new Set([ok.ticket_ids[0]])).pass).toBe(true);
  });
});
