import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { groupSettled } from '../messaging/support';
import { eventually, TestEnv } from '../support/test-env';
import { createShow, footprint, quietFootprint } from './support';
import { settled } from '../support/settled';
import { startJourney } from '../support/journey';

/**
 * Spec §9: one booking cannot make Dead Nation send thousands of tickets (at most
 * MAX_TICKETS_PER_BOOKING), and a booking Dead Nation refuses for good gives its seats back
 * (BookingFailed_v1, spec §8) instead of holding them forever.
 */
describe('booking limits and bookings Dead Nation refuses', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  const book = (show_id: string, number_of_tickets: number) =>
    request(url)
      .post('/api/book-tickets')
      .send({ show_id, number_of_tickets, customer_email: 'ada@example.com' });
  const seatsBooked = async (show_id: string) =>
    (await env.query('SELECT seats_booked FROM show_seats WHERE show_id = $1', [show_id]))[0]
      .seats_booked;
  const bookingFailedEvents = (booking_id: string) =>
    env.query(
      `SELECT event_payload FROM events
        WHERE event_name = 'BookingFailed_v1' AND event_payload->>'booking_id' = $1`,
      [booking_id],
    );
  const deadLetters = () => env.redisClient.xrange(env.key('dead-letters'), '-', '+');
  /** Adds the booking's entries to a stream once more, as a relay that published twice would. */
  const deliverAgain = async (stream: string, booking_id: string) => {
    const key = env.key(stream);
    const entries = (await env.redisClient.xrange(key, '-', '+')) as [string, string[]][];
    const mine = entries.filter(([, f]) => f[f.indexOf('payload') + 1].includes(booking_id));
    expect(mine).toHaveLength(1);
    await env.redisClient.xadd(key, '*', ...mine[0][1]);
  };

  it('51 tickets: 400 naming number_of_tickets, nothing written; 50: 201', async () => {
    const show_id = await createShow(url, { number_of_tickets: 100 });
    const before = await quietFootprint(env);
    const res = await book(show_id, 51).expect(400);
    expect(res.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: ['number_of_tickets must not be greater than 50'],
    });
    expect(await footprint(env)).toEqual(before);
    await book(show_id, 50).expect(201);
  });

  it('Dead Nation refuses a booking for good: BookingFailed_v1 once, the seats free again, even when the messages are delivered twice', async () => {
    const dead_nation_id = randomUUID();
    const show_id = await createShow(url, { number_of_tickets: 50, dead_nation_id });
    await request(sim.url)
      .post('/_sim/config')
      .send({ dead_nation: { refused_event_ids: [dead_nation_id] } })
      .expect(200);

    const { booking_id } = (await book(show_id, 50).expect(201)).body;
    expect(await seatsBooked(show_id)).toBe(50);
    await eventually(async () => (await seatsBooked(show_id)) === 0, {
      what: 'the refused booking to give its seats back',
    });
    const [failed] = await bookingFailedEvents(booking_id);
    expect(failed.event_payload).toEqual({
      header: {
        id: expect.any(String),
        published_at: expect.any(String),
        idempotency_key: expect.any(String),
      },
      booking_id,
      failure_reason: expect.stringContaining('422'),
    });
    expect(
      await env.query('SELECT failure_reason FROM booking_failures WHERE booking_id = $1', [
        booking_id,
      ]),
    ).toEqual([{ failure_reason: failed.event_payload.failure_reason }]);
    expect(sim.state.bookings.has(booking_id)).toBe(false);

    await deliverAgain('events.BookingMade_v1', booking_id);
    await deliverAgain('events.BookingFailed_v1', booking_id);
    await settled(env);
    await groupSettled(env, 'events.BookingMade_v1', 'tickets.book_at_dead_nation');
    await groupSettled(env, 'events.BookingFailed_v1', 'tickets.release_seats');
    expect(await bookingFailedEvents(booking_id)).toHaveLength(1);
    expect(await seatsBooked(show_id)).toBe(0);
    expect(await deadLetters()).toEqual([]);

    // The seats are for sale again: a booking of the whole show succeeds.
    await request(sim.url)
      .post('/_sim/config')
      .send({ dead_nation: { refused_event_ids: [] } })
      .expect(200);
    const second = (await book(show_id, 50).expect(201)).body.booking_id;
    await eventually(() => sim.state.bookings.has(second), { what: 'Dead Nation to book it' });
    await settled(env);
    await groupSettled(env, 'events.BookingMade_v1', 'tickets.book_at_dead_nation');
    expect(await seatsBooked(show_id)).toBe(50);
    expect(await bookingFailedEvents(second)).toEqual([]);
  });
});
