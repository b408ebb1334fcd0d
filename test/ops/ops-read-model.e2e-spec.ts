import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TransactionHost } from '@nestjs-cls/transactional';
import { BookingMade_v1 } from '../../src/bookings/events/booking-made.event';
import { Message, OutboxWriter } from '../../src/messaging';
import { OpsModule } from '../../src/ops/ops.module';
import { OpsReadModelProjector } from '../../src/ops/project/ops-read-model.projector';
import { TicketBookingConfirmed_v1 } from '../../src/tickets/events/ticket-booking-confirmed.event';
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
  shuffle,
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
  const parkedFor = async (id: string) =>
    (
      await env.query(
        'SELECT 1 FROM ops_pending_events WHERE booking_id = $1::uuid OR ticket_id = $1::uuid',
        [id],
      )
    ).length;
  /** How late an event comes in a journey: booking 0, confirm 1, the rest 2. */
  const order = (e: Message) =>
    e instanceof BookingMade_v1 ? 0 : e instanceof TicketBookingConfirmed_v1 ? 1 : 2;
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
    // One change or two: the confirm may come first, park, and go with the BookingMade.
    const updatesBefore = await updates(booking);
    expect([1, 2]).toContain(updatesBefore);
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
    expect(await updates(booking)).toBe(updatesBefore);
  });

  it('out of order: receipt and print before the confirm, the confirm before its BookingMade_v1: one pass, no retry', async () => {
    const [booking, ticket] = [randomUUID(), randomUUID()];
    const failedBefore = await failedAttempts(url);
    const late = receipt(ticket, '2025-03-14T11:00:00Z');
    const print = printed(ticket);
    await publish(app, [late, print]);
    await projected(env, [late, print]);
    expect(await parkedFor(ticket)).toBe(2);
    const confirm = confirmed(ticket, booking, '75.50');
    await publish(app, [confirm]);
    await projected(env, [confirm]);
    expect(await parkedFor(booking)).toBe(1);
    await request(url).get(`/api/ops/bookings/${booking}`).expect(404);

    const booked = made(booking);
    await publish(app, [booked]);
    await projected(env, [booked]);
    // Handled means applied: the BookingMade's transaction took everything that waited for it.
    expect((await doc(booking)).tickets[ticket]).toMatchObject({
      price_amount: '75.50',
      confirmed_at: confirm.header.published_at,
      receipt_issued_at: '2025-03-14T11:00:00Z',
      printed_at: print.header.published_at,
      printed_file_name: `${ticket}-ticket.html`,
      refunded_at: null,
    });
    expect(await updates(booking)).toBe(1);
    expect((await parkedFor(ticket)) + (await parkedFor(booking))).toBe(0);
    // Nothing failed, so nothing was retried (each failed attempt is counted in /metrics).
    expect(await failedAttempts(url)).toBe(failedBefore);
    expect(await env.redisClient.xlen(env.key('dead-letters'))).toBe(0);
  });

  it('a burst of bookings with their events shuffled into one commit converges without a failed attempt', async () => {
    const failedBefore = await failedAttempts(url);
    const bookings = Array.from({ length: 15 }, () => randomUUID());
    const journeys = bookings.map((b) => {
      const tickets = [randomUUID(), randomUUID()];
      return [
        made(b),
        ...tickets.flatMap((t) => [
          confirmed(t, b),
          receipt(t, '2025-03-14T12:00:00Z'),
          printed(t),
        ]),
      ];
    });
    // Latest first: every receipt and print before its confirm, every confirm before its booking.
    const events = shuffle(journeys.flat()).sort((a, b) => order(b) - order(a));
    await publish(app, events);
    await projected(env, events);
    for (const b of bookings) {
      const body = await doc(b);
      expect(Object.values(body.tickets)).toHaveLength(2);
      for (const t of Object.values<{ printed_at: string | null }>(body.tickets)) {
        expect(t).toMatchObject({ receipt_issued_at: '2025-03-14T12:00:00Z' });
        expect(t.printed_at).not.toBeNull();
      }
    }
    expect(await failedAttempts(url)).toBe(failedBefore);
    const [{ n }] = await env.query('SELECT count(*)::int AS n FROM ops_pending_events');
    expect(n).toBe(0);
  });

  describe('two projections at once for the same booking or ticket (one parks, one brings it)', () => {
    /**
     * Projects an event in a transaction held open until `commit()` is called, the way a slow
     * handler would: the race the key locks must make harmless.
     */
    async function heldOpen(event: Message) {
      let commit!: () => void;
      const gate = new Promise<void>((resolve) => (commit = resolve));
      let projectedInside!: () => void;
      const inside = new Promise<void>((resolve) => (projectedInside = resolve));
      const done = app.get(TransactionHost).withTransaction(async () => {
        await app.get(OpsReadModelProjector).project(event);
        projectedInside();
        await gate;
      });
      await Promise.race([inside, done]);
      return { commit: () => (commit(), done) };
    }
    /** A live handler waiting for a key lock of the ops projection (in this database). */
    const waitingForKeyLock = async () =>
      (
        await env.query(
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        )
      ).length > 0;

    /**
     * Projects `held` in a transaction kept open, delivers `live`, sees its handler wait for a
     * key lock, lets `held` commit, then waits for `live`. Neither may fail or stay parked.
     */
    async function race(held: Message, live: Message, waitingOn: string): Promise<void> {
      const failedBefore = await failedAttempts(url);
      const holding = await heldOpen(held);
      await publish(app, [live]);
      await eventually(waitingForKeyLock, { what: `the ${waitingOn} lock being waited for` });
      await holding.commit();
      await projected(env, [live]);
      expect(await failedAttempts(url)).toBe(failedBefore);
    }
    const bookingProjected = async (booking: string) => {
      const booked = made(booking);
      await publish(app, [booked]);
      await projected(env, [booked]);
    };

    it('a receipt parking while its confirm is projected: the confirm waits, then applies it', async () => {
      const [booking, ticket] = [randomUUID(), randomUUID()];
      await bookingProjected(booking);
      await race(receipt(ticket, '2025-03-14T13:00:00Z'), confirmed(ticket, booking), 'ticket');
      expect((await doc(booking)).tickets[ticket].receipt_issued_at).toBe('2025-03-14T13:00:00Z');
      expect(await parkedFor(ticket)).toBe(0);
    });

    it('a confirm projected while its print arrives: the print waits, then finds the ticket', async () => {
      const [booking, ticket] = [randomUUID(), randomUUID()];
      await bookingProjected(booking);
      const print = printed(ticket);
      await race(confirmed(ticket, booking), print, 'ticket');
      expect((await doc(booking)).tickets[ticket].printed_at).toBe(print.header.published_at);
      expect(await parkedFor(ticket)).toBe(0);
    });

    it('a confirm parking while its BookingMade_v1 is projected: the booking waits, then applies it', async () => {
      const [booking, ticket] = [randomUUID(), randomUUID()];
      await race(confirmed(ticket, booking, '12.00'), made(booking), 'booking');
      expect((await doc(booking)).tickets[ticket].price_amount).toBe('12.00');
      expect(await parkedFor(booking)).toBe(0);
    });
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
