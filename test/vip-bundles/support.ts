import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { refundKeys } from '../../src/refunds/refund-ticket/refund-keys';
import { vipBundleKeys } from '../../src/vip-bundles/vip-bundle.keys';
import { Message, MessageRegistry } from '../../src/messaging';
import {
  initializeVipBundle,
  NewVipBundle,
  VipBundle,
  VipBundleView,
} from '../../src/vip-bundles/vip-bundle.state';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { callsPer, rawCalls, TRANSPORT } from '../support/sim-calls';
import { eventually, TestEnv } from '../support/test-env';

export { TRANSPORT };

export interface BundleRequest {
  customer_email: string;
  show_id: string;
  number_of_tickets: number;
  passengers: string[];
  inbound_flight_id: string;
  return_flight_id: string;
}

export const bundleRequest = (show_id: string, fields: Partial<BundleRequest> = {}) => ({
  customer_email: 'ada@example.com',
  show_id,
  number_of_tickets: 2,
  passengers: ['Ada Lovelace', 'Charles Babbage'],
  inbound_flight_id: randomUUID(),
  return_flight_id: randomUUID(),
  ...fields,
});

export async function bookBundle(
  url: string,
  body: BundleRequest,
): Promise<{ vip_bundle_id: string; booking_id: string }> {
  return (await request(url).post('/api/book-vip-bundle').send(body).expect(201)).body;
}

export async function bundleView(url: string, id: string): Promise<VipBundleView> {
  return (await request(url).get(`/api/vip-bundles/${id}`).expect(200)).body;
}

/**
 * The bundle once it is finalized and, when Dead Nation confirms its tickets, every one of them
 * is confirmed (and refunded, for a failed bundle), with the app at rest: nothing can follow.
 */
export async function finished(
  env: TestEnv,
  url: string,
  id: string,
  { confirmed }: { confirmed: number },
): Promise<VipBundleView> {
  await eventually(
    async () => {
      const b = await bundleView(url, id);
      const undone = b.status !== 'failed' || b.refunded_ticket_ids.length === confirmed;
      return b.finalized_at !== null && b.ticket_ids.length === confirmed && undone;
    },
    { what: `bundle ${id} finished`, timeoutMs: 60_000 },
  );
  await settled(env);
  return bundleView(url, id);
}

/** The process's messages of one bundle in the order they were written (the outbox order). */
export async function timeline(env: TestEnv, b: VipBundleView): Promise<string[]> {
  const rows = await env.query<{ name: string }>(
    `SELECT name FROM outbox WHERE payload LIKE $1 OR payload LIKE $2 ORDER BY id`,
    [`%${b.vip_bundle_id}%`, `%"booking_id":"${b.booking_id}"%`],
  );
  return rows.map((r) => r.name).filter((n) => PROCESS_MESSAGES.has(n));
}

/** The bundle's own steps (not the show tickets' confirmations, nor the read model's notes). */
const PROCESS_MESSAGES = new Set([
  'VipBundleInitialized_v1',
  'BookShowTickets',
  'BookingMade_v1',
  'BookingFailed_v1',
  'BookFlight',
  'FlightBooked_v1',
  'FlightBookingFailed_v1',
  'BookTaxi',
  'TaxiBooked_v1',
  'TaxiBookingFailed_v1',
  'CancelFlightTickets',
  'CancelTaxiBooking',
  'RefundTicket',
  'VipBundleFinalized_v1',
]);

/** Every external effect of one bundle, counted from the simulator's raw calls and its state. */
export async function effects(sim: RunningSimulator, b: VipBundleView) {
  const keys = vipBundleKeys(b.vip_bundle_id);
  const calls = await rawCalls(sim);
  const get = async (path: string) => (await request(sim.url).get(path).expect(200)).body;
  const flights: { ticket_id: string; flight_id: string; canceled_at: string | null }[] = await get(
    `/transportation-api/flight-tickets?reference_id=${b.vip_bundle_id}`,
  );
  const taxis: { booking_id: string; canceled_at: string | null }[] = await get(
    `/transportation-api/taxi-bookings?reference_id=${b.vip_bundle_id}`,
  );
  const flightKeys = [keys.bookFlight('inbound'), keys.bookFlight('return')];
  const flightTickets = flights.map((t) => t.ticket_id);
  return {
    flightBookings: callsPer(calls, TRANSPORT.bookFlight, flightKeys, { keyOf: (k) => k }),
    taxiBookings: callsPer(calls, TRANSPORT.bookTaxi, [keys.bookTaxi], { keyOf: (k) => k }),
    flightCancels: callsPer(calls, TRANSPORT.cancelFlight, flightTickets, { keyOf: (k) => k }),
    taxiCancels: callsPer(
      calls,
      TRANSPORT.cancelTaxi,
      taxis.map((t) => t.booking_id),
      {
        keyOf: (k) => k,
      },
    ),
    refunds: callsPer(calls, 'PUT /payments-api/refunds', b.ticket_ids, {
      keyOf: (id) => refundKeys(id).refund,
    }),
    seatsHeld: {
      inbound: flights.filter((t) => t.flight_id === b.inbound_flight_id && !t.canceled_at).length,
      return: flights.filter((t) => t.flight_id === b.return_flight_id && !t.canceled_at).length,
    },
    taxisHeld: taxis.filter((t) => !t.canceled_at).length,
    flightTickets,
  };
}

/** VipBundleFinalized_v1 of the bundle in the events store: exactly one, with its outcome. */
export async function finalizations(env: TestEnv, id: string): Promise<boolean[]> {
  const rows = await env.query<{ success: boolean }>(
    `SELECT (event_payload->>'success')::boolean AS success FROM events
      WHERE event_name = 'VipBundleFinalized_v1' AND event_payload->>'vip_bundle_id' = $1`,
    [id],
  );
  return rows.map((r) => r.success);
}

export const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

/** `expected` appears in `actual` in this order (other names may come between). */
export function inOrder(actual: string[], expected: string[]): boolean {
  let i = 0;
  for (const name of actual) if (name === expected[i]) i++;
  return i === expected.length;
}

/**
 * Writes a message to the outbox by hand, as a second relay or a replay would leave it: the
 * relay publishes it like any other. For messages the app would not send at that moment.
 */
export async function inject(env: TestEnv, message: Message): Promise<void> {
  const { name, destination } = MessageRegistry.of(message);
  await env.query(
    `INSERT INTO outbox (message_id, destination, name, payload) VALUES ($1, $2, $3, $4)`,
    [message.header.id, destination, name, JSON.stringify(message)],
  );
}

/** A bundle stored as POST /api/book-vip-bundle stores it, but its process not yet started. */
export async function storeWithoutStarting(
  env: TestEnv,
  input: Omit<NewVipBundle, 'vip_bundle_id' | 'booking_id'>,
): Promise<{ bundle: VipBundle; start: Message }> {
  const { bundle, event } = initializeVipBundle({
    ...input,
    vip_bundle_id: randomUUID(),
    booking_id: randomUUID(),
  });
  await env.query(
    `INSERT INTO vip_bundles (vip_bundle_id, booking_id, show_id, state) VALUES ($1, $2, $3, $4)`,
    [bundle.vip_bundle_id, bundle.booking_id, bundle.show_id, JSON.stringify(bundle)],
  );
  return { bundle, start: event };
}
