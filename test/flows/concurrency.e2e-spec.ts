import request from 'supertest';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { callsPer, ENDPOINTS, rawCalls } from '../support/sim-calls';
import { eventually, exited, listeningUrl, TestEnv } from '../support/test-env';
import { createShow } from './support';

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * No overbooking, ever: spec §2, with two app processes on one database. Two OS processes, as a
 * deployment runs them: nothing in this process (a pool, a lock, a cache) can serialise them.
 */
describe('concurrent bookings on two app processes', () => {
  // Claims are for dead consumers, and none dies here. With the suite's 1 s claim idle time, an
  // event loop stalled past 1 s on a loaded machine lets the other process claim a booking that
  // is still being handled and call Dead Nation a second time (harmless there, spec §4: the same
  // booking_id is the same booking, but the raw count below would see it).
  const env = new TestEnv({ DB_POOL_SIZE: '20', CLAIM_IDLE_MS: '10000' });
  let sim: RunningSimulator;
  let apps: ReturnType<TestEnv['spawn']>[];
  let urls: string[];

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false } });
    // One after the other: the first creates the database and runs the migrations.
    const a = env.spawn('src/main.js', { GATEWAY_URL: sim.url });
    const aUrl = await listeningUrl(a);
    const b = env.spawn('src/main.js', { GATEWAY_URL: sim.url });
    urls = [aUrl, await listeningUrl(b)];
    apps = [a, b];
  });
  afterAll(async () => {
    for (const app of apps ?? []) app.kill('SIGTERM');
    for (const app of apps ?? []) await exited(app);
    await env.close();
    await sim.close();
  });

  it('50 parallel bookings of random sizes for 10 seats: exactly 10 sold, the rest 400, one Dead Nation call each', async () => {
    const show_id = await createShow(urls[0], { number_of_tickets: 10 });
    // At least as many one-seat requests as seats: whatever the order, the last seat is sold.
    const sizes = shuffle([
      ...Array.from({ length: 12 }, () => 1),
      ...Array.from({ length: 38 }, () => 1 + Math.floor(Math.random() * 4)),
    ]);
    const answers = await Promise.all(
      sizes.map((n, i) =>
        request(urls[i % 2])
          .post('/api/book-tickets')
          .send({ show_id, number_of_tickets: n, customer_email: `c${i}@example.com` })
          .then((res) => ({ n, res })),
      ),
    );
    const sold = answers.filter((a) => a.res.status === 201);
    const refused = answers.filter((a) => a.res.status !== 201);
    expect(sold.reduce((sum, a) => sum + a.n, 0)).toBe(10);
    for (const { res } of refused) {
      expect({ status: res.status, message: res.body.message }).toEqual({
        status: 400,
        message: 'not enough seats available',
      });
    }
    const [{ booked }] = await env.query(
      'SELECT COALESCE(sum(number_of_tickets), 0)::int AS booked FROM bookings WHERE show_id = $1',
      [show_id],
    );
    expect(booked).toBe(10);
    expect(
      await env.query('SELECT seats_booked FROM show_seats WHERE show_id = $1', [show_id]),
    ).toEqual([{ seats_booked: 10 }]);

    const bookingIds = sold.map((a) => a.res.body.booking_id as string);
    await eventually(() => bookingIds.every((id) => sim.state.bookings.has(id)), {
      what: 'every booking at Dead Nation',
    });
    // Every BookingMade_v1 handled, and nothing left to redeliver.
    const made = await env.query<{ id: string }>(
      `SELECT message_id::text AS id FROM outbox WHERE name = 'BookingMade_v1'`,
    );
    expect(made).toHaveLength(bookingIds.length);
    await settled(env, { handled: { book_at_dead_nation: made.map((m) => m.id) } });
    const calls = sim.state.requests.filter(
      (r) => r.service === 'dead-nation' && r.method === 'POST',
    );
    expect(calls).toHaveLength(bookingIds.length);
    const once = Object.fromEntries(bookingIds.map((id) => [id, 1]));
    expect(callsPer(await rawCalls(sim), ENDPOINTS.booking, bookingIds)).toEqual(once);
  });
});
