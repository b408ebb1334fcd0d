import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { OutboxWriter } from '../../src/messaging';
import { OpsModule } from '../../src/ops/ops.module';
import { settled } from '../support/settled';
import { TestEnv, eventually } from '../support/test-env';
import {
  at,
  confirmed,
  failedAttempts,
  made,
  OPS_ENV,
  printed,
  projected,
  publish,
  receipt,
  refunded,
} from './support';

describe('ops bookings read model: live projection and queries', () => {
  const env = new TestEnv(OPS_ENV);
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await env.start([OpsModule]));
  });
  afterAll(() => env.close());

  const doc = async (bookingId: string) =>
    (await request(url).get(`/api/ops/bookings/${bookingId}`).expect(200)).body;
  const updates = async (bookingId: string) =>
    (
      await env.query(
        `SELECT payload::jsonb AS p FROM outbox WHERE name = 'InternalOpsReadModelUpdated' AND payload::jsonb->>'booking_id' = $1`,
        [bookingId],
      )
    ).length;

  it('follows a booking through the five events, one InternalOpsReadModelUpdated per change', async () => {
    const testStarted = Date.now() - 1000; // the database clock may lag ours a little
    const [booking, ticket] = [randomUUID(), randomUUID()];
    const events = [
      made(booking, at('2025-03-14T10:00:00Z')),
      confirmed(ticket, booking, '50.00', at('2025-03-14T10:00:01Z')),
      receipt(ticket, '2025-03-14T10:00:02.123Z', at('2025-03-14T10:00:02.5Z')),
      printed(ticket, at('2025-03-14T10:00:03Z')),
      refunded(ticket, at('2025-03-15T08:00:00Z')),
    ];
    for (const event of events) {
      await publish(app, [event]);
      await projected(env, [event]);
    }
    const body = await doc(booking);
    expect(body).toEqual({
      booking_id: booking,
      booked_at: '2025-03-14T10:00:00.000Z',
      last_update: expect.any(String),
      tickets: {
        [ticket]: {
          price_amount: '50.00',
          price_currency: 'EUR',
          customer_email: 'ops@example.com',
          confirmed_at: '2025-03-14T10:00:01.000Z',
          receipt_issued_at: '2025-03-14T10:00:02.123Z',
          receipt_number: `R-${ticket.slice(0, 8)}`,
          printed_at: '2025-03-14T10:00:03.000Z',
          printed_file_name: `${ticket}-ticket.html`,
          refunded_at: '2025-03-15T08:00:00.000Z',
        },
      },
    });
    // Set when projected, not copied from the events (dated 2025): no later than now, no
    // earlier than the test began. Bounds that a slow machine cannot break.
    expect(Date.parse(body.last_update)).toBeGreaterThanOrEqual(testStarted);
    expect(Date.parse(body.last_update)).toBeLessThanOrEqual(Date.now());
    expect(await updates(booking)).toBe(5);
    // Internal: on its own stream, never in the events store.
    expect(
      await env.query(`SELECT 1 FROM events WHERE event_name = 'InternalOpsReadModelUpdated'`),
    ).toHaveLength(0);
    await eventually(
      async () => (await env.redisClient.xlen(env.key('events.InternalOpsReadModelUpdated'))) >= 5,
      { what: 'InternalOpsReadModelUpdated on its stream' },
    );
  });

  it('a redelivered event, or the same fact under a new message id, changes nothing', async () => {
    const [booking, ticket] = [randomUUID(), randomUUID()];
    const first = [made(booking), confirmed(ticket, booking)];
    await publish(app, first);
    await projected(env, first);
    const before = await doc(booking);
    // The relay publishing a row twice (same message id), and a replay of the fact itself.
    await app.get(OutboxWriter).append([first[1]]);
    const replay = confirmed(ticket, booking, '50.00', {
      published_at: first[1].header.published_at,
    });
    await publish(app, [replay]);
    await projected(env, [replay]);
    // The copy under the same id has been through every group too: nothing more can come.
    await settled(env);
    expect(await doc(booking)).toEqual(before);
    expect(await updates(booking)).toBe(2);
  });

  it('out of order: a receipt before its confirm, a confirm before its BookingMade_v1: converges', async () => {
    const [booking, ticket] = [randomUUID(), randomUUID()];
    const failedBefore = await failedAttempts(url);
    const late = receipt(ticket, '2025-03-14T11:00:00Z');
    await publish(app, [late, printed(ticket)]);
    await eventually(async () => (await failedAttempts(url)) >= failedBefore + 2, {
      what: 'the receipt and print failing for want of their ticket',
    });
    const confirm = confirmed(ticket, booking, '75.50');
    await publish(app, [confirm]);
    const failedAfterConfirm = await failedAttempts(url);
    await eventually(async () => (await failedAttempts(url)) > failedAfterConfirm + 2, {
      what: 'the confirm failing for want of its booking',
    });
    await request(url).get(`/api/ops/bookings/${booking}`).expect(404);
    const booked = made(booking);
    await publish(app, [booked]);
    await projected(env, [late, confirm, booked]);
    const body = await eventually(async () => {
      const b = await doc(booking);
      return b.tickets[ticket]?.printed_at ? b : null;
    });
    expect(body.tickets[ticket]).toMatchObject({
      price_amount: '75.50',
      confirmed_at: confirm.header.published_at,
      receipt_issued_at: '2025-03-14T11:00:00Z',
      printed_file_name: `${ticket}-ticket.html`,
      refunded_at: null,
    });
    expect(await env.redisClient.xlen(env.key('dead-letters'))).toBe(0);
  });

  describe('GET /api/ops/bookings', () => {
    const bookings = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const tickets = bookings.map(() => [randomUUID(), randomUUID()]);

    beforeAll(async () => {
      const issued = [
        ['2031-06-14T23:59:59.999Z', '2031-06-14T00:00:00Z'], // both tickets on the 14th: once
        ['2031-06-15T00:30:00+01:00', null], // the 14th in UTC
        ['2031-06-15T00:00:00Z', '2031-06-13T23:59:59Z'], // neither on the 14th
        [null, null], // no receipt at all
      ];
      const events = bookings.flatMap((b, i) => [
        made(b),
        ...tickets[i].flatMap((t, j) => [
          confirmed(t, b),
          ...(issued[i][j] ? [receipt(t, issued[i][j])] : []),
        ]),
      ]);
      await publish(app, events);
      await projected(env, events);
    });

    it('filters by the UTC date a receipt was issued on', async () => {
      const res = await request(url)
        .get('/api/ops/bookings?receipt_issue_date=2031-06-14')
        .expect(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body.map((d: { booking_id: string }) => d.booking_id).sort()).toEqual(
        [bookings[0], bookings[1]].sort(),
      );
      const { body: on13 } = await request(url).get(
        '/api/ops/bookings?receipt_issue_date=2031-06-13',
      );
      expect(on13.map((d: { booking_id: string }) => d.booking_id)).toEqual([bookings[2]]);
      const { body: none } = await request(url).get(
        '/api/ops/bookings?receipt_issue_date=1999-01-01',
      );
      expect(none).toEqual([]);
    });

    it('lists every document without the filter, each once, as full documents', async () => {
      const [{ n }] = await env.query('SELECT count(*)::int AS n FROM read_model_ops_bookings');
      const { body } = await request(url).get('/api/ops/bookings').expect(200);
      expect(body).toHaveLength(n);
      expect(new Set(body.map((d: { booking_id: string }) => d.booking_id)).size).toBe(n);
      const third = body.find((d: { booking_id: string }) => d.booking_id === bookings[3]);
      expect(Object.keys(third.tickets).sort()).toEqual([...tickets[3]].sort());
    });

    it.each(['2025-02-30', '2025-13-01', '14-03-2025', '2025-3-14', '2025-03-14T00:00:00Z', ''])(
      'answers 400 to receipt_issue_date=%p',
      async (date) => {
        const res = await request(url)
          .get(`/api/ops/bookings?receipt_issue_date=${encodeURIComponent(date)}`)
          .expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(JSON.stringify(res.body.message)).toContain('receipt_issue_date');
      },
    );

    it('answers 400 to an unknown query parameter', async () => {
      await request(url).get('/api/ops/bookings?page=2').expect(400);
    });

    it('answers 404 for an unknown booking and 400 for an id that is not a UUID', async () => {
      const unknown = await request(url).get(`/api/ops/bookings/${randomUUID()}`).expect(404);
      expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      const bad = await request(url).get('/api/ops/bookings/not-a-uuid').expect(400);
      expect(bad.body).toMatchObject({ statusCode: 400, message: 'booking_id must be a UUID' });
    });
  });
});
