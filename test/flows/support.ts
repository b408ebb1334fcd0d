import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually, TestEnv } from '../support/test-env';

export const future = '2030-05-01T20:00:00Z';

export async function createShow(
  url: string,
  fields: Partial<{ number_of_tickets: number; dead_nation_id: string }> = {},
): Promise<string> {
  const res = await request(url)
    .post('/api/shows')
    .send({
      dead_nation_id: randomUUID(),
      number_of_tickets: 10,
      start_time: future,
      title: 'The Mars Volta',
      venue: 'Roundhouse',
      ...fields,
    })
    .expect(201);
  return res.body.show_id;
}

export interface WebhookTicket {
  ticket_id: string;
  status: 'confirmed' | 'canceled';
  customer_email: string;
  price: { amount: string; currency: string };
  booking_id: string;
}

/**
 * A ticket for the webhook. It must name a booking of this system (else the request is a 422),
 * so the booking id is always given: see `createBooking`.
 */
export function webhookTicket(
  fields: Partial<WebhookTicket> & Pick<WebhookTicket, 'booking_id'>,
): WebhookTicket {
  return {
    ticket_id: randomUUID(),
    status: 'confirmed',
    customer_email: 'ada@example.com',
    price: { amount: '50.00', currency: 'EUR' },
    ...fields,
  };
}

/** Books seats through the API (on a new show unless one is given); returns the booking id. */
export async function createBooking(
  url: string,
  fields: Partial<{ show_id: string; number_of_tickets: number; customer_email: string }> = {},
): Promise<string> {
  const show_id = fields.show_id ?? (await createShow(url));
  const res = await request(url)
    .post('/api/book-tickets')
    .send({ number_of_tickets: 1, customer_email: 'ada@example.com', ...fields, show_id })
    .expect(201);
  return res.body.booking_id;
}

export function postWebhook(url: string, key: string, tickets: WebhookTicket[]) {
  return request(url).post('/api/tickets-status').set('Idempotency-Key', key).send({ tickets });
}

/** Rows of every table a request could write, and the length of every stream. */
export async function footprint(env: TestEnv): Promise<Record<string, number>> {
  const tables = [
    'shows',
    'show_seats',
    'bookings',
    'tickets',
    'webhook_requests',
    'refunds',
    'outbox',
    'events',
  ];
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [{ n }] = await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    counts[t] = n;
  }
  const keys = await env.redisClient.keys(`${env.prefix}*`);
  for (const key of keys) {
    if ((await env.redisClient.type(key)) === 'stream')
      counts[key] = await env.redisClient.xlen(key);
  }
  return counts;
}

/** Entries some consumer group has not finished with: read and pending, or not read yet. */
async function unfinishedEntries(env: TestEnv): Promise<number> {
  let unfinished = 0;
  for (const key of await env.redisClient.keys(`${env.prefix}*`)) {
    if ((await env.redisClient.type(key)) !== 'stream') continue;
    const groups = (await env.redisClient.xinfo('GROUPS', key)) as unknown[][];
    for (const fields of groups) {
      const info: Record<string, unknown> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) info[String(fields[i])] = fields[i + 1];
      unfinished += Number(info.pending ?? 0) + Number(info.lag ?? 0);
    }
  }
  return unfinished;
}

/**
 * The footprint once the background work (handlers retrying, emitting further events) has come
 * to rest: the outbox published, every consumer group done with every entry, and the footprint
 * the same twice in a row. Take it before a request that must write nothing.
 */
export async function quietFootprint(env: TestEnv): Promise<Record<string, number>> {
  let last = await footprint(env);
  return eventually(
    async () => {
      await new Promise((r) => setTimeout(r, 200));
      const [{ n }] = await env.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
      );
      const busy = n > 0 || (await unfinishedEntries(env)) > 0;
      const now = await footprint(env);
      const same = JSON.stringify(now) === JSON.stringify(last);
      last = now;
      return !busy && same && now;
    },
    { what: 'background work at rest', timeoutMs: 30_000 },
  );
}

/** Waits until every committed outbox row has been published. */
export async function settled(env: TestEnv): Promise<void> {
  await eventually(
    async () => {
      const [{ n }] = await env.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
      );
      return n === 0;
    },
    { what: 'outbox drained' },
  );
}

export const liveTickets = async (url: string) =>
  (await request(url).get('/api/tickets').expect(200)).body as {
    ticket_id: string;
    customer_email: string;
    price: { amount: string; currency: string };
  }[];
