import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { startWiredJourney, stopJourney } from '../support/journey';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { bookBundle, bundleRequest, bundleView, effects, finalizations } from './support';

/** Spec §8 with spec §2's no-overbooking rule: bundles racing for the last seats of one show. */
describe('VIP bundles: fifty at once on a show with thirty seats', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(
    async () => ({ sim, url } = await startWiredJourney(env, { webhook: { delay_ms: 10 } })),
  );
  afterAll(() => stopJourney(env, sim));

  it('thirty succeed, twenty fail at the show booking with nothing booked, no seat oversold', async () => {
    const show_id = await createShow(url, { number_of_tickets: 30 });
    const flights = { inbound_flight_id: randomUUID(), return_flight_id: randomUUID() };
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        bookBundle(
          url,
          bundleRequest(show_id, { ...flights, number_of_tickets: 1, passengers: [`P${i}`] }),
        ),
      ),
    );
    await eventually(
      async () => {
        const views = await Promise.all(ids.map((b) => bundleView(url, b.vip_bundle_id)));
        const confirmed = (v: (typeof views)[number]) =>
          v.status === 'failed' || v.ticket_ids.length === 1;
        return views.every((v) => v.finalized_at !== null && confirmed(v));
      },
      { what: 'fifty bundles finished', timeoutMs: 90_000 },
    );
    await settled(env, { timeoutMs: 90_000 });
    const views = await Promise.all(ids.map((b) => bundleView(url, b.vip_bundle_id)));

    const succeeded = views.filter((v) => v.status === 'succeeded');
    const failed = views.filter((v) => v.status === 'failed');
    expect(succeeded).toHaveLength(30);
    expect(failed).toHaveLength(20);
    for (const v of failed) {
      expect(v.failure_reason).toBe('show tickets: not enough seats available');
      const e = await effects(sim, v);
      expect([e.flightBookings, e.taxiBookings, e.refunds]).toEqual([{}, {}, {}]);
      expect(e.flightTickets).toEqual([]);
      expect(await finalizations(env, v.vip_bundle_id)).toEqual([false]);
    }
    for (const v of succeeded) {
      expect(v.ticket_ids).toHaveLength(1);
      expect(await finalizations(env, v.vip_bundle_id)).toEqual([true]);
    }
    const [seats] = await env.query(
      `SELECT seats_booked, capacity FROM show_seats WHERE show_id = $1`,
      [show_id],
    );
    expect(seats).toEqual({ seats_booked: 30, capacity: 30 });
    const [{ n }] = await env.query(`SELECT count(*)::int AS n FROM bookings WHERE show_id = $1`, [
      show_id,
    ]);
    expect(n).toBe(30);
    // Each flight holds one seat per successful bundle, and there is one taxi per bundle.
    const held = async (flight: string) =>
      (await request(sim.url).get('/transportation-api/flight-tickets').expect(200)).body.filter(
        (t: { flight_id: string; canceled_at: string | null }) =>
          t.flight_id === flight && !t.canceled_at,
      ).length;
    expect(await held(flights.inbound_flight_id)).toBe(30);
    expect(await held(flights.return_flight_id)).toBe(30);
    const taxis = (await request(sim.url).get('/transportation-api/taxi-bookings').expect(200))
      .body;
    expect(taxis).toHaveLength(30);
  });
});
