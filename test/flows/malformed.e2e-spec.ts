import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { TestEnv } from '../support/test-env';
import { createShow, quietFootprint, webhookTicket } from './support';
import { startJourney } from '../support/journey';

interface Case {
  name: string;
  method: 'post' | 'put' | 'get';
  path: string;
  body?: unknown;
  /** sent as is, with this Content-Type */
  raw?: { type: string; text: string };
  headers?: Record<string, string>;
  status: number;
  /** what the message must say (the field and the rule) */
  says: RegExp;
}

const show = {
  dead_nation_id: randomUUID(),
  number_of_tickets: 10,
  start_time: '2030-05-01T20:00:00Z',
  title: 'Tool',
  venue: 'O2',
};
// Every case is refused by validation, before the booking is looked up: any booking id will do.
const ticket = webhookTicket({ booking_id: randomUUID() });
const key = { 'Idempotency-Key': 'malformed-key' };

function cases(showId: string): Case[] {
  const booking = { show_id: showId, number_of_tickets: 2, customer_email: 'ada@example.com' };
  const shows = (body: unknown, says: RegExp, name: string): Case => ({
    name: `shows: ${name}`,
    method: 'post',
    path: '/api/shows',
    body,
    status: 400,
    says,
  });
  const book = (body: unknown, says: RegExp, name: string): Case => ({
    name: `book-tickets: ${name}`,
    method: 'post',
    path: '/api/book-tickets',
    body,
    status: 400,
    says,
  });
  const hook = (
    tickets: unknown,
    says: RegExp,
    name: string,
    headers: Record<string, string> = key,
  ): Case => ({
    name: `tickets-status: ${name}`,
    method: 'post',
    path: '/api/tickets-status',
    body: { tickets },
    headers,
    status: 400,
    says,
  });
  const { dead_nation_id: _d, ...withoutDeadNationId } = show;
  const { customer_email: _e, ...withoutEmail } = booking;
  const { price: _p, ...ticketWithoutPrice } = ticket;
  const { booking_id: _b, ...ticketWithoutBooking } = ticket;
  return [
    shows(withoutDeadNationId, /dead_nation_id must be a UUID/, 'missing dead_nation_id'),
    shows({ ...show, dead_nation_id: 'abc' }, /dead_nation_id must be a UUID/, 'bad UUID'),
    shows(
      { ...show, dead_nation_id: "'; DROP TABLE shows; --" },
      /dead_nation_id must be a UUID/,
      'SQL in a UUID',
    ),
    shows(
      { ...show, number_of_tickets: '10' },
      /number_of_tickets must be an integer/,
      'number as a string',
    ),
    shows(
      { ...show, number_of_tickets: -5 },
      /number_of_tickets must not be less than 1/,
      'negative',
    ),
    shows(
      { ...show, number_of_tickets: 2147483648 },
      /number_of_tickets must not be greater than 2147483647/,
      'huge',
    ),
    shows({ ...show, number_of_tickets: 1.5 }, /number_of_tickets must be an integer/, 'fraction'),
    shows(
      { ...show, start_time: '2030-02-30T20:00:00Z' },
      /start_time must be an RFC 3339/,
      'no such day',
    ),
    shows({ ...show, start_time: 'tomorrow' }, /start_time must be an RFC 3339/, 'not a date'),
    shows(
      { ...show, start_time: '2030-05-01' },
      /start_time must be an RFC 3339/,
      'date without time',
    ),
    shows({ ...show, title: '' }, /title should not be empty/, 'empty title'),
    shows({ ...show, title: 42 }, /title must be a string/, 'title a number'),
    shows({ ...show, venue: null }, /venue must be a string/, 'venue null'),
    shows(
      { ...show, venue: 'v'.repeat(300) },
      /venue must be shorter than or equal to 255/,
      'venue too long',
    ),
    shows({ ...show, price: 10 }, /property price should not exist/, 'unknown field'),
    shows([show], /dead_nation_id must be a UUID/, 'an array body'),
    book({ ...booking, show_id: "1' OR '1'='1" }, /show_id must be a UUID/, 'SQL in show_id'),
    book({ ...booking, show_id: 123 }, /show_id must be a UUID/, 'show_id a number'),
    book(
      { ...booking, customer_email: '<script>alert(1)</script>' },
      /customer_email must be an email/,
      'script as email',
    ),
    book(withoutEmail, /customer_email must be an email/, 'missing email'),
    book(
      { ...booking, number_of_tickets: 0 },
      /number_of_tickets must not be less than 1/,
      'zero seats',
    ),
    book(
      { ...booking, number_of_tickets: 1e10 },
      /number_of_tickets must not be greater than/,
      'huge',
    ),
    book(
      { ...booking, number_of_tickets: 'many' },
      /number_of_tickets must be an integer/,
      'words',
    ),
    book({ ...booking, seat: '12A' }, /property seat should not exist/, 'unknown field'),
    hook([ticket], /Idempotency-Key header is required/, 'no Idempotency-Key', {}),
    hook({}, /tickets(\.ticket_id)? must be (an array|a UUID)/, 'tickets an object'),
    hook(
      [{ ...ticket, ticket_id: '<script>' }],
      /tickets\.0\.ticket_id must be a UUID/,
      'bad ticket_id',
    ),
    hook(
      [ticket, { ...ticket, status: 'refunded' }],
      /tickets\.1\.status must be one of/,
      'unknown status',
    ),
    hook(
      [{ ...ticket, price: { amount: 50.5, currency: 'EUR' } }],
      /tickets\.0\.price\.amount must be a decimal string/,
      'amount a float',
    ),
    hook(
      [{ ...ticket, price: { amount: '-5.00', currency: 'EUR' } }],
      /tickets\.0\.price\.amount/,
      'negative amount',
    ),
    hook(
      [{ ...ticket, price: { amount: '1e3', currency: 'EUR' } }],
      /tickets\.0\.price\.amount/,
      'exponent amount',
    ),
    hook(
      [{ ...ticket, price: { amount: '5.00', currency: 'euro' } }],
      /tickets\.0\.price\.currency/,
      'bad currency',
    ),
    hook([ticketWithoutPrice], /tickets\.0\.price should not be null or undefined/, 'no price'),
    hook([ticketWithoutBooking], /tickets\.0\.booking_id must be a UUID/, 'no booking_id'),
    hook([null], /tickets.*must be either object or array/, 'a null ticket'),
    {
      name: 'tickets: negative limit',
      method: 'get',
      path: '/api/tickets?limit=-1',
      status: 400,
      says: /limit must not be less than 1/,
    },
    {
      name: 'tickets: words as limit',
      method: 'get',
      path: '/api/tickets?limit=abc',
      status: 400,
      says: /limit must be an integer/,
    },
    {
      name: 'tickets: script as after',
      method: 'get',
      path: '/api/tickets?after=%3Cscript%3E',
      status: 400,
      says: /after must be a UUID/,
    },
    {
      name: 'refund: not a UUID',
      method: 'put',
      path: '/api/ticket-refund/not-a-uuid',
      status: 400,
      says: /ticket_id must be a UUID/,
    },
    {
      name: 'refund: SQL as id',
      method: 'put',
      path: `/api/ticket-refund/${encodeURIComponent("' OR 1=1 --")}`,
      status: 400,
      says: /ticket_id must be a UUID/,
    },
    {
      name: 'body: invalid JSON',
      method: 'post',
      path: '/api/book-tickets',
      raw: { type: 'application/json', text: '{"show_id": ' },
      status: 400,
      says: /not valid JSON/,
    },
    {
      name: 'body: JSON null',
      method: 'post',
      path: '/api/shows',
      raw: { type: 'application/json', text: 'null' },
      status: 400,
      says: /not valid JSON/,
    },
    {
      name: 'body: over 1 MiB',
      method: 'post',
      path: '/api/book-tickets',
      raw: {
        type: 'application/json',
        text: JSON.stringify({ ...booking, pad: 'x'.repeat(1100000) }),
      },
      status: 413,
      says: /larger than 1 MiB/,
    },
    {
      name: 'body: webhook over 512 KiB',
      method: 'post',
      path: '/api/tickets-status',
      headers: key,
      raw: {
        type: 'application/json',
        text: JSON.stringify({ tickets: [], pad: 'x'.repeat(530000) }),
      },
      status: 413,
      says: /larger than 512 KiB/,
    },
    {
      name: 'body: text/plain',
      method: 'post',
      path: '/api/shows',
      raw: { type: 'text/plain', text: JSON.stringify(show) },
      status: 415,
      says: /application\/json/,
    },
    {
      name: 'body: a form',
      method: 'post',
      path: '/api/book-tickets',
      raw: { type: 'application/x-www-form-urlencoded', text: 'show_id=1' },
      status: 415,
      says: /application\/json/,
    },
  ];
}

describe('malformed requests: a 4xx that says why, and nothing written', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;
  let table: Case[];

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
    table = cases(await createShow(url));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('every case of the table', async () => {
    expect(table.length).toBeGreaterThanOrEqual(30);
    const before = await quietFootprint(env);
    const failures: string[] = [];
    for (const c of table) {
      let req = request(url)
        [c.method](c.path)
        .set(c.headers ?? {});
      if (c.raw) req = req.set('Content-Type', c.raw.type).send(c.raw.text);
      else if (c.body !== undefined) req = req.send(c.body as object);
      const res = await req;
      const message = [res.body?.message ?? ''].flat().join('; ');
      const ok =
        res.status === c.status &&
        res.body?.statusCode === c.status &&
        typeof res.body?.error === 'string' &&
        c.says.test(message);
      if (!ok) failures.push(`${c.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(failures).toEqual([]);
    // No wait for a relay pass: a row written counts in the footprint before it is relayed, and
    // quietFootprint settles whatever it caused.
    expect(await quietFootprint(env)).toEqual(before);
  });
});
