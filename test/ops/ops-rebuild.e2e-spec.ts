import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Message, OutboxWriter } from '../../src/messaging';
import { OpsModule } from '../../src/ops/ops.module';
import {
  RebuildAlreadyRunningError,
  rebuildOpsReadModel,
} from '../../src/ops/rebuild/ops-read-model.rebuild';
import { eventually, exited, TestEnv } from '../support/test-env';
import {
  at,
  confirmed,
  documents,
  made,
  OPS_ENV,
  printed,
  projected,
  publish,
  receipt,
  refunded,
  shuffle,
  sideTables,
} from './support';

/** A seeded generator, so a failing journey can be replayed (the seed is in the test name). */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ops read model rebuild', () => {
  const env = new TestEnv(OPS_ENV);
  let app: INestApplication;
  let url: string;
  const rebuild = (options: Partial<Parameters<typeof rebuildOpsReadModel>[0]> = {}) =>
    rebuildOpsReadModel({ postgresUrl: env.env.POSTGRES_URL, ...options });
  const indexes = () =>
    env.query(
      `SELECT tablename, indexname FROM pg_indexes
        WHERE tablename IN ('read_model_ops_bookings', 'ops_ticket_bookings', 'ops_receipt_dates')
        ORDER BY 1, 2`,
    );

  beforeAll(async () => {
    ({ app, url } = await env.start([OpsModule]));
  });
  afterAll(() => env.close());

  const seed = Number(process.env.OPS_SEED ?? Date.now() % 100_000);
  it(`after a randomized journey (seed ${seed}), live documents equal rebuilt ones`, async () => {
    const random = mulberry32(seed);
    const pick = (p: number) => random() < p;
    const base = Date.parse('2025-03-14T08:00:00Z');
    const time = (minutes: number) => at(new Date(base + minutes * 60_000).toISOString());
    const events: Message[] = [];
    const resent: Message[] = [];
    for (let b = 0; b < 40; b++) {
      const booking = randomUUID();
      const t0 = b * 10 + random() * 5;
      events.push(made(booking, time(t0)));
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const ticket = randomUUID();
        const confirm = confirmed(
          ticket,
          booking,
          `${10 + Math.floor(random() * 90)}.00`,
          time(t0 + 1),
        );
        events.push(confirm);
        if (pick(0.1)) resent.push(confirm); // the relay publishing a row twice
        if (pick(0.1)) events.push(confirmed(ticket, booking, '99.99', time(t0 + 1.5))); // a later confirm
        if (pick(0.8)) {
          const day = Math.floor(random() * 3);
          events.push(
            receipt(
              ticket,
              new Date(base + day * 86_400_000 + random() * 86_400_000).toISOString(),
              time(t0 + 2),
            ),
          );
        }
        if (pick(0.7)) events.push(printed(ticket, time(t0 + 3)));
        if (pick(0.3)) events.push(refunded(ticket, time(t0 + 60)));
      }
    }
    // Published in a random order, in random small transactions: many arrive before their booking.
    const shuffled = shuffle(events, random);
    while (shuffled.length > 0)
      await publish(app, shuffled.splice(0, 1 + Math.floor(random() * 5)));
    await app.get(OutboxWriter).append(resent);
    await projected(env, events, 60_000);

    const live = await documents(env);
    const liveSides = await sideTables(env);
    const liveIndexes = await indexes();
    expect(Object.keys(live)).toHaveLength(40);
    const report = await rebuild({ batchSize: 37 }); // small batches: events of a booking straddle them
    expect(report).toMatchObject({
      eventsRead: events.length,
      documents: 40,
      malformed: 0,
      unresolved: 0,
    });
    expect(await documents(env)).toEqual(live);
    expect(await sideTables(env)).toEqual(liveSides);
    expect(await indexes()).toEqual(liveIndexes);
    expect(await env.query('SELECT * FROM ops_rebuild_state')).toEqual([]);
  });

  it('projects _v0 events of the events store, skips the names it does not follow with a count', async () => {
    const [booking, ticket, orphan] = [randomUUID(), randomUUID(), randomUUID()];
    const header = (published_at: string) => ({
      id: randomUUID(),
      published_at,
      idempotency_key: 'k',
    });
    const rows: [string, object][] = [
      // Stored out of order on purpose: the receipt's time is before its confirm's.
      [
        'TicketReceiptIssued_v0',
        {
          header: header('2020-01-01T10:00:00Z'),
          ticket_id: ticket,
          receipt_number: 'OLD-1',
          issued_at: '2020-01-01T10:00:00Z',
        },
      ],
      [
        'BookingMade_v0',
        {
          header: header('2020-01-01T09:00:00Z'),
          booking_id: booking,
          show_id: randomUUID(),
          number_of_tickets: 1,
          customer_email: 'old@example.com',
        },
      ],
      [
        'TicketBookingConfirmed_v0',
        {
          header: header('2020-01-01T11:00:00Z'),
          ticket_id: ticket,
          booking_id: booking,
          customer_email: 'old@example.com',
          price: { amount: '12.50', currency: 'PLN' },
        },
      ],
      [
        'TicketPrinted_v0',
        { header: header('2020-01-01T12:00:00Z'), ticket_id: ticket, file_name: 'old.html' },
      ],
      ['TicketRefunded_v0', { header: header('2020-01-02T12:00:00Z'), ticket_id: ticket }],
      ['TicketBookingCanceled_v1', { header: header('2020-01-02T12:00:00Z'), ticket_id: ticket }],
      ['VipBundleInitialized_v0', { header: header('2020-01-02T12:00:00Z') }],
      ['VipBundleInitialized_v0', { header: header('2020-01-02T12:00:01Z') }],
      [
        'TicketPrinted_v0',
        { header: header('2020-01-03T12:00:00Z'), ticket_id: orphan, file_name: 'x' },
      ],
      ['TicketPrinted_v0', { header: header('2020-01-03T12:00:00Z'), file_name: 'no ticket id' }],
    ];
    for (const [name, body] of rows) {
      await env.query(
        `INSERT INTO events (event_id, published_at, event_name, event_payload) VALUES ($1, $2, $3, $4)`,
        [(body as any).header.id, (body as any).header.published_at, name, JSON.stringify(body)],
      );
    }
    const report = await rebuild();
    expect(report.skipped).toEqual({ TicketBookingCanceled_v1: 1, VipBundleInitialized_v0: 2 });
    expect(report).toMatchObject({ malformed: 1, unresolved: 1 });
    const { body } = await request(url).get(`/api/ops/bookings/${booking}`).expect(200);
    expect(body).toEqual({
      booking_id: booking,
      booked_at: '2020-01-01T09:00:00Z',
      last_update: expect.any(String),
      tickets: {
        [ticket]: {
          price_amount: '12.50',
          price_currency: 'PLN',
          customer_email: 'old@example.com',
          confirmed_at: '2020-01-01T11:00:00Z',
          receipt_issued_at: '2020-01-01T10:00:00Z',
          receipt_number: 'OLD-1',
          printed_at: '2020-01-01T12:00:00Z',
          printed_file_name: 'old.html',
          refunded_at: '2020-01-02T12:00:00Z',
        },
      },
    });
    const filtered = await request(url).get('/api/ops/bookings?receipt_issue_date=2020-01-01');
    expect(filtered.body.map((d: { booking_id: string }) => d.booking_id)).toEqual([booking]);
  });

  it('a rebuild while bookings continue loses none of the concurrent updates', async () => {
    // A store big enough that the rebuild takes a while in small batches.
    await env.query(`
      INSERT INTO events (event_id, published_at, event_name, event_payload)
      SELECT id, ts, 'BookingMade_v1', jsonb_build_object(
               'header', jsonb_build_object('id', id, 'published_at', ts, 'idempotency_key', id),
               'booking_id', gen_random_uuid(), 'show_id', gen_random_uuid(),
               'number_of_tickets', 1, 'customer_email', 'seed@example.com')
        FROM (SELECT gen_random_uuid() AS id, now() - interval '1 day' + n * interval '1 ms' AS ts
                FROM generate_series(1, 6000) n) s`);
    const watched = randomUUID();
    const watchedMade = made(watched);
    await publish(app, [watchedMade]);
    await projected(env, [watchedMade]);
    const before = await documents(env);

    const published: Message[] = [];
    const bookings: { booking: string; ticket: string }[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const [booking, ticket] = [randomUUID(), randomUUID()];
        bookings.push({ booking, ticket });
        const first = [made(booking), confirmed(ticket, booking)];
        await publish(app, first);
        const second = [receipt(ticket, new Date().toISOString()), printed(ticket)];
        await publish(app, second);
        published.push(...first, ...second);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // Readers all along: never an empty or half-built model.
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        await request(url).get(`/api/ops/bookings/${watched}`).expect(200);
        const [{ n }] = await env.query('SELECT count(*)::int AS n FROM read_model_ops_bookings');
        expect(n).toBeGreaterThanOrEqual(Object.keys(before).length);
        reads++;
      }
    })();

    await eventually(() => reads > 0 && published.length > 0, {
      what: 'writers and readers at work',
    });
    const readsAtStart = reads;
    let bookingsDuring = 0;
    const report = await rebuild({
      batchSize: 200,
      // Updates projected live after the scan and before the swap exist only in the backlog.
      // The swap waits for a booking written and a read made meanwhile, so the rebuild overlaps
      // both however fast the machine is.
      beforeSwap: async () => {
        const [bookingsAt, readsAt] = [published.length, reads];
        await eventually(() => published.length >= bookingsAt + 4 && reads > readsAt, {
          what: 'a booking written and a read made while the rebuild runs',
        });
        bookingsDuring = (published.length - bookingsAt) / 4;
        const late = published.slice(-4);
        await projected(env, late);
      },
    });
    writing = false;
    await writer;
    reading = false;
    await reader;
    expect(report.liveUpdatesReplayed).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(readsAtStart);
    await projected(env, published, 20_000); // a lost confirm leaves its receipt waiting for ever

    const after = await documents(env);
    const incomplete = bookings.filter(
      ({ booking, ticket }) =>
        !after[booking]?.tickets[ticket]?.receipt_number ||
        !after[booking].tickets[ticket].printed_at,
    );
    expect(incomplete).toEqual([]);
    expect(bookingsDuring).toBeGreaterThan(0);
    // And the live model still is exactly what the store says.
    await rebuild();
    expect(await documents(env)).toEqual(after);
    const { body } = await request(url).get('/api/ops/bookings').expect(200);
    expect(body).toHaveLength(Object.keys(after).length); // more than one page of 500
  });

  it('refuses a second rebuild while one runs', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = rebuild({ beforeSwap: () => (entered(), held) });
    await inside;
    await expect(rebuild()).rejects.toThrow(RebuildAlreadyRunningError);
    release();
    await first;
  });

  it('npm run read-model:rebuild (compiled CLI) prints events read, documents written, duration', async () => {
    const child = env.spawn('src/cli/read-model-rebuild.js');
    expect(await exited(child)).toBe(0);
    const output = child.output.join('');
    expect(output).toMatch(/events read:\s+\d+/);
    expect(output).toMatch(/documents written:\s+\d+/);
    expect(output).toMatch(/duration:\s+[\d.]+ s/);
  });
});
