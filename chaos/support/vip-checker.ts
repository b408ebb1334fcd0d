import { vipBundleKeys } from '../../src/vip-bundles/vip-bundle.keys';
import { VipBundle } from '../../src/vip-bundles/vip-bundle.state';
import { CallCount, FlightTicket, TaxiBooking } from '../../simulator/simulator-state';
import { TRANSPORT } from '../../test/support/sim-calls';
import { tally, Verdict, verdict } from './verdict';

export { TRANSPORT };

/** The commands a failed bundle undoes with, as the outbox holds them (name and header key). */
export const COMPENSATIONS = ['RefundTicket', 'CancelFlightTickets', 'CancelTaxiBooking'];

/**
 * Everything the VIP verdicts are computed from, read once after the drain: the bundles as the
 * database holds them, and what the outside world saw (the simulator's raw calls and effects).
 * Plain data, so the verdicts are pure functions a unit test can feed with made-up facts.
 */
export interface VipFacts {
  /** Bundle ids answered 201 by `POST /api/book-vip-bundle`. */
  accepted: string[];
  /** `vip_bundles.state` of every stored bundle. */
  bundles: VipBundle[];
  /** `VipBundleFinalized_v1` in the events store, per bundle id. */
  finalized: Map<string, number>;
  /** Compensation commands written to the outbox, per header idempotency key. */
  compensations: Map<string, number>;
  /** Booking ids in the `bookings` table. */
  bookings: Set<string>;
  /** Dead Nation's bookings (`GET /dead-nation-api/bookings`). */
  deadNation: Array<{ booking_id: string; ticket_ids: string[] }>;
  /** Payments refunds per ticket (`GET /payments-api/refunds`). */
  refunds: Map<string, number>;
  /** Transportation's read-backs and every raw call the app made to it (`GET /_sim/calls`). */
  flightTickets: FlightTicket[];
  taxiBookings: TaxiBooking[];
  calls: CallCount[];
}

type Stage = 'show' | 'inbound' | 'return' | 'taxi' | 'late';

/** Where a failed bundle failed, from its reason (vip-bundle.process.ts writes the prefix). */
export function failedAt(b: VipBundle): Stage | undefined {
  if (b.status !== 'failed') return undefined;
  const reason = b.failure_reason ?? '';
  if (reason.startsWith('show tickets')) return b.booking_made_at === null ? 'show' : 'late';
  if (reason.startsWith('inbound flight')) return 'inbound';
  if (reason.startsWith('return flight')) return 'return';
  if (reason.startsWith('taxi')) return 'taxi';
  return 'late';
}

function byBundle<T extends { reference_id: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) out.set(i.reference_id, [...(out.get(i.reference_id) ?? []), i]);
  return out;
}

/** Raw calls to `endpoint` whose key is about the bundle (its keys all contain its id). */
function callsOf(calls: CallCount[], endpoint: string, bundleId: string): CallCount[] {
  return calls.filter((c) => c.endpoint === endpoint && c.key.includes(bundleId));
}

/**
 * Every bundle accepted reached an end (succeeded or failed, never stuck mid-process), was
 * finalized exactly once, and a succeeded one holds all it sold: its show booking (in the
 * database and at Dead Nation, every confirmed ticket collected), both flights and the taxi.
 */
export function bundlesFinished(f: VipFacts): Verdict {
  const stored = new Map(f.bundles.map((b) => [b.vip_bundle_id, b]));
  const dn = new Map(f.deadNation.map((d) => [d.booking_id, d.ticket_ids]));
  const bad: string[] = [];
  for (const id of f.accepted) if (!stored.has(id)) bad.push(`${id}: answered 201, then lost`);
  for (const b of f.bundles) {
    const id = b.vip_bundle_id;
    const n = f.finalized.get(id) ?? 0;
    if (b.status === 'in_progress') bad.push(`${id}: still in progress at ${b.step}`);
    if (n !== 1) bad.push(`${id} (${b.status}): VipBundleFinalized_v1 ${n} times`);
    const atDn = dn.get(b.booking_id);
    if (b.status === 'succeeded') {
      const lacks = [
        !b.booking_made_at || !f.bookings.has(b.booking_id) ? 'show booking' : '',
        !atDn ? 'Dead Nation booking' : '',
        atDn && atDn.some((t) => !b.ticket_ids.includes(t)) ? 'confirmed show tickets' : '',
        b.inbound_flight_ticket_ids.length === 0 ? 'inbound flight' : '',
        b.return_flight_ticket_ids.length === 0 ? 'return flight' : '',
        b.taxi_booking_id === null ? 'taxi' : '',
      ].filter(Boolean);
      if (lacks.length) bad.push(`${id}: succeeded without its ${lacks.join(', ')}`);
    }
    if (failedAt(b) === 'show' && (f.bookings.has(b.booking_id) || atDn)) {
      bad.push(`${id}: failed at the show booking, yet booking ${b.booking_id} was made`);
    }
  }
  const stages = tally(
    f.bundles.filter((b) => b.status === 'failed'),
    (b) => failedAt(b) ?? '?',
  );
  const succeeded = f.bundles.filter((b) => b.status === 'succeeded').length;
  return verdict(
    'every VIP bundle finished, finalized exactly once',
    bad,
    `${f.accepted.length} bundles answered 201, ${f.bundles.length} stored: ${succeeded} succeeded, ` +
      `${f.bundles.length - succeeded} failed (${fmt(stages) || 'none'}); ` +
      `${[...f.finalized.values()].reduce((a, b) => a + b, 0)} VipBundleFinalized_v1 events`,
  );
}

/**
 * Each bundle booked each flight and its taxi at most once, exactly once when it succeeded, and
 * nothing after the step that failed. Counted at Transportation: its bookings per bundle and
 * idempotency key, and the raw calls. A call answered twice under one key is one booking
 * (a worker died between Transportation's answer and its commit; the key makes it the same),
 * so the raw calls must use only the bundle's own fixed keys.
 */
export function tripBookedOnce(f: VipFacts): Verdict {
  const flights = byBundle(f.flightTickets);
  const taxis = byBundle(f.taxiBookings);
  const bad: string[] = [];
  let once = 0;
  let again = 0;
  for (const b of f.bundles) {
    const id = b.vip_bundle_id;
    const keys = vipBundleKeys(id);
    const flightCalls = callsOf(f.calls, TRANSPORT.bookFlight, id);
    const taxiCalls = callsOf(f.calls, TRANSPORT.bookTaxi, id);
    for (const c of [...flightCalls, ...taxiCalls]) {
      if (c.answered === 1) once++;
      if (c.answered > 1) again++;
      const own = [keys.bookFlight('inbound'), keys.bookFlight('return'), keys.bookTaxi];
      if (!own.includes(c.key)) bad.push(`${id}: ${c.endpoint} under a foreign key ${c.key}`);
    }
    const legs = tally(flights.get(id) ?? [], (t) => t.idempotency_key);
    for (const [key, seats] of legs) {
      if (seats !== b.passengers.length) {
        bad.push(
          `${id}: ${seats} flight tickets under ${key} for ${b.passengers.length} passengers`,
        );
      }
    }
    const booked = {
      inbound: legs.has(keys.bookFlight('inbound')),
      return: legs.has(keys.bookFlight('return')),
      taxi: (taxis.get(id) ?? []).length,
    };
    if (booked.taxi > 1) bad.push(`${id}: ${booked.taxi} taxis booked`);
    if (b.status === 'succeeded' && !(booked.inbound && booked.return && booked.taxi === 1)) {
      bad.push(`${id}: succeeded, Transportation holds ${JSON.stringify(booked)}`);
    }
    const stage = failedAt(b);
    const called = (key: string) => flightCalls.some((c) => c.key === key);
    const after =
      stage === 'show'
        ? [called(keys.bookFlight('inbound')), called(keys.bookFlight('return')), taxiCalls.length]
        : stage === 'inbound'
          ? [called(keys.bookFlight('return')), taxiCalls.length]
          : stage === 'return'
            ? [taxiCalls.length]
            : [];
    if (after.some(Boolean)) bad.push(`${id}: failed at the ${stage}, booked a later step anyway`);
  }
  return verdict(
    'each VIP bundle booked each flight and its taxi at most once',
    bad,
    `${f.flightTickets.length} flight tickets and ${f.taxiBookings.length} taxis at Transportation ` +
      `for ${f.bundles.length} bundles; raw booking calls per key answered once ${once}, ` +
      `more than once ${again} (redelivered after a crash, the same key: one booking each)`,
  );
}

/**
 * A failed bundle undid each thing it held exactly once, and left nothing un-undone: every
 * flight ticket and taxi it booked canceled at Transportation, every show ticket Dead Nation
 * confirmed refunded once at Payments, each compensating command written once. A succeeded
 * bundle undid nothing (its show tickets may still be refunded when the customer asked).
 */
export function failuresCompensated(f: VipFacts, customerRefunds: Set<string>): Verdict {
  const flights = byBundle(f.flightTickets);
  const taxis = byBundle(f.taxiBookings);
  const dn = new Map(f.deadNation.map((d) => [d.booking_id, d.ticket_ids]));
  const deletes = new Map(
    f.calls.filter((c) => c.endpoint === TRANSPORT.cancelFlight).map((c) => [c.key, c.answered]),
  );
  const bad: string[] = [];
  const n = { failed: 0, flights: 0, taxis: 0, refunds: 0, deletedAgain: 0 };
  for (const b of f.bundles) {
    const id = b.vip_bundle_id;
    const keys = vipBundleKeys(id);
    const sent = (key: string) => f.compensations.get(key) ?? 0;
    const showTickets = dn.get(b.booking_id) ?? [];
    const mine = flights.get(id) ?? [];
    const taxi = taxis.get(id) ?? [];
    if (b.status !== 'failed') {
      const undone = [
        ...mine.filter((t) => t.canceled_at).map((t) => `flight ticket ${t.ticket_id}`),
        ...taxi.filter((t) => t.canceled_at).map((t) => `taxi ${t.booking_id}`),
        ...[...f.compensations.keys()].filter((k) => k.startsWith(`vip-bundle:${id}:`)),
        ...showTickets.filter((t) => f.refunds.has(t) && !customerRefunds.has(t)),
      ];
      if (undone.length) bad.push(`${id} (${b.status}): undid ${undone.join(', ')}`);
      continue;
    }
    n.failed++;
    for (const t of mine) {
      n.flights++;
      const deleted = deletes.get(t.ticket_id) ?? 0;
      if (deleted > 1) n.deletedAgain++;
      if (!t.canceled_at || deleted === 0)
        bad.push(`${id}: flight ticket ${t.ticket_id} never canceled`);
    }
    for (const leg of ['inbound', 'return'] as const) {
      const held = mine.some((t) => t.idempotency_key === keys.bookFlight(leg));
      const times = sent(keys.cancelFlightTickets(leg));
      if (times !== (held ? 1 : 0)) bad.push(`${id}: ${leg} flight canceled ${times} times`);
    }
    for (const t of taxi) {
      n.taxis++;
      if (!t.canceled_at) bad.push(`${id}: taxi ${t.booking_id} never canceled`);
    }
    if (sent(keys.cancelTaxiBooking) !== taxi.length) {
      bad.push(
        `${id}: ${taxi.length} taxis, CancelTaxiBooking sent ${sent(keys.cancelTaxiBooking)} times`,
      );
    }
    for (const t of showTickets) {
      n.refunds++;
      const [paid, asked] = [f.refunds.get(t) ?? 0, sent(keys.refundTicket(t))];
      if (paid !== 1 || asked !== 1) {
        bad.push(
          `${id}: show ticket ${t} refunded ${paid} times at Payments, asked ${asked} times`,
        );
      }
    }
  }
  return verdict(
    'every failed VIP bundle undid each booking exactly once',
    bad,
    `${n.failed} failed bundles: ${n.flights} flight tickets canceled (${n.deletedAgain} deleted ` +
      `again after a retry, harmless), ${n.taxis} taxis canceled, ${n.refunds} show tickets refunded`,
  );
}

export function vipVerdicts(f: VipFacts, customerRefunds: Set<string>): Verdict[] {
  return [bundlesFinished(f), tripBookedOnce(f), failuresCompensated(f, customerRefunds)];
}

/** The show tickets a failed bundle refunds: the refund invariant expects them, once each. */
export function compensatedTickets(f: Pick<VipFacts, 'bundles' | 'deadNation'>): Set<string> {
  const dn = new Map(f.deadNation.map((d) => [d.booking_id, d.ticket_ids]));
  return new Set(
    f.bundles.filter((b) => b.status === 'failed').flatMap((b) => dn.get(b.booking_id) ?? []),
  );
}

const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
