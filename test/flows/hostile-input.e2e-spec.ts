import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { TestEnv } from '../support/test-env';
import { createShow, future, quietFootprint, webhookTicket } from './support';
import { startJourney } from '../support/journey';

/**
 * Spec §9, integrity under hostile input: text PostgreSQL cannot store, dates, years and UTC
 * offsets it cannot represent, and keys that name an object's prototype are each a 400 naming
 * the field, and write nothing. Each of these once answered 500, or 201 with the text mangled or
 * the key silently accepted.
 */
interface Case {
  name: string;
  method: 'post' | 'get';
  path: string;
  /** the JSON text, sent as is (a JS object cannot carry "__proto__" as a plain key) */
  json?: string;
  headers?: Record<string, string>;
  says: RegExp;
}

/** JSON text of `fields`, then `extra` spliced in raw (e.g. `"__proto__": {…}`). */
const jsonWith = (fields: object, extra?: string) => {
  const text = JSON.stringify(fields);
  return extra === undefined ? text : `${text.slice(0, -1)},${extra}}`;
};

function cases(showId: string, bookingId: string): Case[] {
  // a new Dead Nation event each time: a case wrongly accepted must not turn the next into a 409
  const show = () => ({
    dead_nation_id: randomUUID(),
    number_of_tickets: 10,
    start_time: future,
    title: 'Tool',
    venue: 'O2',
  });
  const booking = { show_id: showId, number_of_tickets: 1, customer_email: 'ada@example.com' };
  const ticket = webhookTicket({ booking_id: bookingId });
  const shows = (name: string, json: string, says: RegExp): Case => ({
    name: `shows: ${name}`,
    method: 'post',
    path: '/api/shows',
    json,
    says,
  });
  const book = (name: string, json: string, says: RegExp): Case => ({
    name: `book-tickets: ${name}`,
    method: 'post',
    path: '/api/book-tickets',
    json,
    says,
  });
  const hook = (name: string, json: string, says: RegExp): Case => ({
    name: `tickets-status: ${name}`,
    method: 'post',
    path: '/api/tickets-status',
    json,
    headers: { 'Idempotency-Key': randomUUID() },
    says,
  });
  const prototypeKeys = ['__proto__', 'constructor', 'prototype'];
  return [
    // text PostgreSQL cannot store
    shows('U+0000 in the title', jsonWith({ ...show(), title: 'To\u0000ol' }), /^title .*U\+0000/),
    shows(
      'an unpaired surrogate in the venue',
      jsonWith({ ...show(), venue: 'O2 \ud800' }),
      /^venue .*unpaired surrogate/,
    ),
    book(
      'an unpaired surrogate in the e-mail',
      jsonWith({ ...booking, customer_email: '\ud800@example.com' }),
      /^customer_email .*unpaired surrogate/,
    ),
    book(
      'a low surrogate alone in the e-mail',
      jsonWith({ ...booking, customer_email: 'ada\udc00@example.com' }),
      /^customer_email .*unpaired surrogate/,
    ),
    hook(
      'U+0000 in the second ticket’s e-mail',
      jsonWith({ tickets: [ticket, { ...ticket, customer_email: 'ada\u0000@example.com' }] }),
      /^tickets\.1\.customer_email .*U\+0000/,
    ),
    // dates, years and offsets PostgreSQL cannot represent
    shows(
      'UTC offset +16:00',
      jsonWith({ ...show(), start_time: '2030-05-01T20:00:00+16:00' }),
      /^start_time /,
    ),
    shows(
      'UTC offset -23:59',
      jsonWith({ ...show(), start_time: '2030-05-01T20:00:00-23:59' }),
      /^start_time /,
    ),
    shows('year 0000', jsonWith({ ...show(), start_time: '0000-05-01T20:00:00Z' }), /^start_time /),
    {
      name: 'ops: receipt date in year 0000',
      method: 'get',
      path: '/api/ops/bookings?receipt_issue_date=0000-01-01',
      says: /^receipt_issue_date /,
    },
    // bounded work: nesting no body of the API needs
    hook(
      'tickets nested 100,000 arrays deep',
      `{"tickets": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      /^tickets(\.0)+ is nested deeper than 32 levels/,
    ),
    // keys naming an object's prototype, refused like any other unknown key
    ...prototypeKeys.flatMap((key) => [
      shows(`a "${key}" key`, jsonWith(show(), `"${key}": {"admin": true}`), RegExp(`^${key} `)),
      book(`a "${key}" key`, jsonWith(booking, `"${key}": {"admin": true}`), RegExp(`^${key} `)),
      hook(
        `a "${key}" key in a ticket`,
        `{"tickets": [${jsonWith(ticket, `"${key}": {"admin": true}`)}]}`,
        RegExp(`^tickets\\.0\\.${key} `),
      ),
      hook(
        `a "${key}" key at the top`,
        jsonWith({ tickets: [ticket] }, `"${key}": {"admin": true}`),
        RegExp(`^${key} `),
      ),
    ]),
  ];
}

describe('hostile input (spec §9): a 400 naming the field, and nothing written', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;
  let table: Case[];

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
    const showId = await createShow(url);
    const booked = await request(url)
      .post('/api/book-tickets')
      .send({ show_id: showId, number_of_tickets: 1, customer_email: 'ada@example.com' })
      .expect(201);
    table = cases(showId, booked.body.booking_id);
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('every case of the table', async () => {
    expect(table.length).toBeGreaterThanOrEqual(20);
    const before = await quietFootprint(env);
    const failures: string[] = [];
    for (const c of table) {
      let req = request(url)
        [c.method](c.path)
        .set(c.headers ?? {});
      if (c.json !== undefined) req = req.set('Content-Type', 'application/json').send(c.json);
      const res = await req;
      const message = [res.body?.message ?? ''].flat().join('; ');
      const ok =
        res.status === 400 &&
        res.body?.statusCode === 400 &&
        res.body?.error === 'Bad Request' &&
        c.says.test(message);
      if (!ok) failures.push(`${c.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(failures).toEqual([]);
    expect(await quietFootprint(env)).toEqual(before);
  });

  it('a key of that name inside a value is harmless text, and an offset of ±15:59 is stored', async () => {
    const res = await request(url)
      .post('/api/shows')
      .send({
        dead_nation_id: randomUUID(),
        number_of_tickets: 1,
        start_time: '2030-05-01T20:00:00-15:59',
        title: '__proto__',
        venue: 'constructor',
      })
      .expect(201);
    const [row] = await env.query('SELECT start_time, title FROM shows WHERE show_id = $1', [
      res.body.show_id,
    ]);
    expect(row).toEqual({ start_time: new Date('2030-05-02T11:59:00Z'), title: '__proto__' });
  });
});
