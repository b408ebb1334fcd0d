import { randomUUID } from 'node:crypto';
import { MessageRegistry } from '../../src/messaging';
import { TicketBookingConfirmed_v1 } from '../../src/tickets/events/ticket-booking-confirmed.event';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { startWiredJourney, stopJourney } from '../support/journey';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import {
  bookBundle,
  bundleRequest,
  bundleView,
  effects,
  finalizations,
  finished,
  inject,
  once,
  storeWithoutStarting,
  timeline,
} from './support';

const PROCESS_INPUTS = [
  'VipBundleInitialized_v1',
  'BookingMade_v1',
  'BookingFailed_v1',
  'TicketBookingConfirmed_v1',
  'FlightBooked_v1',
  'FlightBookingFailed_v1',
  'TaxiBooked_v1',
  'TaxiBookingFailed_v1',
];

const confirmation = (booking_id: string) =>
  new TicketBookingConfirmed_v1({
    ticket_id: randomUUID(),
    booking_id,
    customer_email: 'ada@example.com',
    price: { amount: '50.00', currency: 'EUR' },
  });

/** Spec §8 guarantees under redelivery and reordering: every effect once, finalized once. */
describe('VIP bundles: messages twice and out of order (spec §8)', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(
    async () => ({ sim, url } = await startWiredJourney(env, { webhook: { delay_ms: 10 } })),
  );
  afterAll(() => stopJourney(env, sim));

  /**
   * Every message of the bundle published again with its own id (as a relay that crashed before
   * marking it), and every event the process listens to once more under a new id (as a second
   * sender would: dedupe on the message id cannot help, the process must).
   */
  async function deliverEverythingTwice(vip_bundle_id: string, booking_id: string) {
    const rows = await env.query<{ id: string; name: string; payload: string }>(
      `SELECT id, name, payload FROM outbox WHERE payload LIKE $1 OR payload LIKE $2 ORDER BY id`,
      [`%${vip_bundle_id}%`, `%"booking_id":"${booking_id}"%`],
    );
    await env.query(`UPDATE outbox SET published_at = NULL WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    for (const row of rows.filter((r) => PROCESS_INPUTS.includes(r.name))) {
      const copy = MessageRegistry.decode(row.name, row.payload);
      copy.header = { ...copy.header, id: randomUUID() };
      await inject(env, copy);
    }
    return rows.length;
  }

  it.each([
    ['a bundle that succeeds', true],
    ['a bundle whose taxi fails', false],
  ])('%s: every message delivered twice changes nothing', async (_what, taxis) => {
    sim.configure({ transportation: { taxis_available: taxis } });
    try {
      const show_id = await createShow(url, { number_of_tickets: 10 });
      const { vip_bundle_id, booking_id } = await bookBundle(url, bundleRequest(show_id));
      const first = await finished(env, url, vip_bundle_id, { confirmed: 2 });
      const before = { effects: await effects(sim, first), timeline: await timeline(env, first) };

      expect(await deliverEverythingTwice(vip_bundle_id, booking_id)).toBeGreaterThan(10);
      await settled(env);

      const again = await bundleView(url, vip_bundle_id);
      expect(again).toEqual(first);
      expect(await effects(sim, again)).toEqual(before.effects);
      // No step sent anything new: the copies of the timeline are the republished rows only.
      expect(await timeline(env, again)).toEqual([
        ...before.timeline,
        ...before.timeline.filter((n) => PROCESS_INPUTS.includes(n)),
      ]);
      expect(await finalizations(env, vip_bundle_id)).toEqual([taxis]);
      expect(before.effects.flightBookings).toEqual(
        once([
          `vip-bundle:${vip_bundle_id}:book-flight:inbound`,
          `vip-bundle:${vip_bundle_id}:book-flight:return`,
        ]),
      );
      expect(before.effects.refunds).toEqual(taxis ? {} : once(first.ticket_ids));
    } finally {
      sim.configure({ transportation: { taxis_available: true } });
    }
  });

  it('a show ticket confirmed before BookingMade_v1 (before the process even started) is kept', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    const { bundle, start } = await storeWithoutStarting(env, {
      ...bundleRequest(show_id),
      number_of_tickets: 2,
    });
    const early = confirmation(bundle.booking_id);
    await inject(env, early);
    await settled(env, { handled: { vip_bundle_process: [early.header.id] } });
    const waiting = await bundleView(url, bundle.vip_bundle_id);
    expect(waiting.ticket_ids).toEqual([early.ticket_id]);
    expect(waiting.booking_made_at).toBeNull();

    await inject(env, start);
    // Dead Nation confirms the booking's two seats too: three tickets in all.
    const b = await finished(env, url, bundle.vip_bundle_id, { confirmed: 3 });
    expect(b.status).toBe('succeeded');
    expect(b.ticket_ids[0]).toBe(early.ticket_id);
    expect(await finalizations(env, bundle.vip_bundle_id)).toEqual([true]);
  });

  it('a show ticket confirmed after the bundle failed is refunded as it arrives, once', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    const inbound_flight_id = randomUUID();
    sim.configure({ transportation: { sold_out_flight_ids: [inbound_flight_id] } });
    const { vip_bundle_id, booking_id } = await bookBundle(
      url,
      bundleRequest(show_id, { inbound_flight_id }),
    );
    const failed = await finished(env, url, vip_bundle_id, { confirmed: 2 });
    expect(failed.status).toBe('failed');

    const late = confirmation(booking_id);
    await inject(env, late);
    await inject(
      env,
      Object.assign(Object.create(Object.getPrototypeOf(late)), late, {
        header: { ...late.header, id: randomUUID() },
      }),
    );
    await eventually(async () => (await bundleView(url, vip_bundle_id)).ticket_ids.length === 3);
    const b = await finished(env, url, vip_bundle_id, { confirmed: 3 });
    expect(b.refunded_ticket_ids).toContain(late.ticket_id);
    expect((await effects(sim, b)).refunds).toEqual(once(b.ticket_ids));
    expect(b.finalized_at).toBe(failed.finalized_at);
    expect(await finalizations(env, vip_bundle_id)).toEqual([false]);
  });
});
