import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { settled } from '../support/settled';
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

/**
 * The footprint once the background work (handlers retrying, emitting further events) has come
 * to rest (see `settled`) and is the same twice in a row. Take it before a request that must
 * write nothing.
 */
export async function quietFootprint(env: TestEnv): Promise<Record<string, number>> {
  let last = await footprint(env);
  return eventually(
    async () => {
      await settled(env);
      const now = await footprint(env);
      const same = JSON.stringify(now) === JSON.stringify(last);
      last = now;
      return same && now;
    },
    { what: 'background work at rest', timeoutMs: 60_000 },
  );
}

export const liveTickets = async (url: string) =>
  (await request(url).get('/api/tickets').expect(200)).body as {
    ticket_id: string;
    customer_email: string;
    price: { amount: string; currency: string };
  }[];
