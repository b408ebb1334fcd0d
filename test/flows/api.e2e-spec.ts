import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { eventually, TestEnv } from '../support/test-env';
import {
  createBooking,
  createShow,
  footprint,
  quietFootprint,
  future,
  liveTickets,
  postWebhook,
  webhookTicket,
} from './support';
import { startJourney } from '../support/journey';

/**
 * Every endpoint of spec §2 (except ops): its success and each failure status. The simulator
 * stands in for the gateway, its Dead Nation webhook off: the tests post the webhooks themselves.
 */
describe('HTTP API (spec §2)', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;
  /** The booking the webhooks' tickets name (an unknown one is a 422). */
  let booking_id: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
    booking_id = await createBooking(url);
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  describe('POST /api/shows', () => {
    it('201 with a new show_id; the row has the columns of spec §6', async () => {
      const dead_nation_id = randomUUID();
      const res = await request(url)
        .post('/api/shows')
        .send({
          dead_nation_id,
          number_of_tickets: 120,
          start_time: '2030-05-01T20:00:00+02:00',
          title: 'Tool',
          venue: 'O2 Arena',
        })
        .expect(201);
      expect(res.body).toEqual({ show_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(res.headers['correlation-id']).toBeTruthy();
      const [row] = await env.query('SELECT * FROM shows WHERE show_id = $1', [res.body.show_id]);
      expect(row).toEqual({
        show_id: res.body.show_id,
        dead_nation_id,
        number_of_tickets: 120,
        start_time: new Date('2030-05-01T18:00:00Z'),
        title: 'Tool',
        venue: 'O2 Arena',
      });
    });

    it('409 when the Dead Nation event already has a show, and nothing is written', async () => {
      const dead_nation_id = randomUUID();
      await createShow(url, { dead_nation_id });
      const before = await quietFootprint(env);
      const res = await request(url)
        .post('/api/shows')
        .send({ dead_nation_id, number_of_tickets: 5, start_time: future, title: 'x', venue: 'y' })
        .expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(res.body.message).toContain(dead_nation_id);
      expect(await footprint(env)).toEqual(before);
    });

    it('400 naming the field and the rule', async () => {
      const res = await request(url)
        .post('/api/shows')
        .send({
          dead_nation_id: randomUUID(),
          number_of_tickets: 0,
          start_time: future,
          title: 'x',
          venue: 'y',
        })
        .expect(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: ['number_of_tickets must not be less than 1'],
      });
    });
  });

  describe('POST /api/book-tickets', () => {
    it('201; the booking, its BookingMade_v1 in the outbox and in the events store', async () => {
      const show_id = await createShow(url);
      const res = await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 3, customer_email: 'ada@example.com' })
        .expect(201);
      const { booking_id } = res.body;
      expect(res.body).toEqual({ booking_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(await env.query('SELECT * FROM bookings WHERE booking_id = $1', [booking_id])).toEqual(
        [{ booking_id, show_id, number_of_tickets: 3, customer_email: 'ada@example.com' }],
      );
      const [outbox] = await env.query(
        `SELECT destination, payload FROM outbox WHERE name = 'BookingMade_v1' AND payload::jsonb->>'booking_id' = $1`,
        [booking_id],
      );
      expect(outbox.destination).toBe('events.BookingMade_v1');
      const payload = JSON.parse(outbox.payload);
      expect(payload).toEqual({
        header: {
          id: expect.any(String),
          published_at: expect.any(String),
          idempotency_key: expect.any(String),
        },
        booking_id,
        show_id,
        number_of_tickets: 3,
        customer_email: 'ada@example.com',
      });
      const stored = await env.query('SELECT event_name FROM events WHERE event_id = $1', [
        payload.header.id,
      ]);
      expect(stored).toEqual([{ event_name: 'BookingMade_v1' }]);
    });

    it('400 "not enough seats available" once the seats are sold; nothing written', async () => {
      const show_id = await createShow(url, { number_of_tickets: 10 });
      for (const n of [4, 4, 2]) {
        await request(url)
          .post('/api/book-tickets')
          .send({ show_id, number_of_tickets: n, customer_email: 'ada@example.com' })
          .expect(201);
      }
      const before = await quietFootprint(env);
      for (const n of [1, 50]) {
        const res = await request(url)
          .post('/api/book-tickets')
          .send({ show_id, number_of_tickets: n, customer_email: 'ada@example.com' })
          .expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, message: 'not enough seats available' });
      }
      expect(await footprint(env)).toEqual(before);
    });

    it('404 for an unknown show', async () => {
      const show_id = randomUUID();
      const res = await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 1, customer_email: 'ada@example.com' })
        .expect(404);
      expect(res.body).toMatchObject({
        statusCode: 404,
        error: 'Not Found',
        message: `show ${show_id} not found`,
      });
    });

    it('400 for an invalid email', async () => {
      const show_id = await createShow(url);
      const res = await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 1, customer_email: 'not-an-email' })
        .expect(400);
      expect(res.body.message).toEqual(['customer_email must be an email']);
    });
  });

  describe('POST /api/tickets-status', () => {
    it('200 {}; one event per ticket, in order, keyed by the request key + ticket id', async () => {
      const key = randomUUID();
      const tickets = [
        webhookTicket({ booking_id }),
        webhookTicket({ booking_id, status: 'canceled' }),
        webhookTicket({ booking_id, price: { amount: '12.5', currency: 'USD' } }),
      ];
      const res = await postWebhook(url, key, tickets).expect(200);
      expect(res.body).toEqual({});
      const rows = await env.query(
        `SELECT name, payload FROM outbox WHERE name LIKE 'TicketBooking%' AND payload::jsonb->'header'->>'idempotency_key' LIKE $1 || '%' ORDER BY id`,
        [key],
      );
      expect(rows.map((r) => r.name)).toEqual([
        'TicketBookingConfirmed_v1',
        'TicketBookingCanceled_v1',
        'TicketBookingConfirmed_v1',
      ]);
      rows.forEach((row, i) => {
        const { status: _status, ...fields } = tickets[i];
        expect(JSON.parse(row.payload)).toEqual({
          header: {
            id: expect.any(String),
            published_at: expect.any(String),
            idempotency_key: key + fields.ticket_id,
          },
          ...fields,
        });
      });
      const stored = await env.query(
        `SELECT count(*)::int AS n FROM events WHERE event_name LIKE 'TicketBooking%' AND event_payload->'header'->>'idempotency_key' LIKE $1 || '%'`,
        [key],
      );
      expect(stored).toEqual([{ n: 3 }]);
    });

    it('a replay of the Idempotency-Key writes nothing, even when sent concurrently', async () => {
      const key = randomUUID();
      const tickets = [webhookTicket({ booking_id }), webhookTicket({ booking_id })];
      const first = await Promise.all([1, 2, 3, 4, 5].map(() => postWebhook(url, key, tickets)));
      first.forEach((r) => expect(r.status).toBe(200));
      const before = await quietFootprint(env);
      await postWebhook(url, key, tickets).expect(200);
      expect(await footprint(env)).toEqual(before);
      const [{ n }] = await env.query(
        `SELECT count(*)::int AS n FROM outbox
          WHERE name = 'TicketBookingConfirmed_v1' AND payload::jsonb->'header'->>'idempotency_key' LIKE $1 || '%'`,
        [key],
      );
      expect(n).toBe(2);
    });

    it('ignores unknown fields (a third party sends it)', async () => {
      const key = randomUUID();
      const ticket = {
        ...webhookTicket({ booking_id }),
        seat: '12A',
        price: { amount: '5.00', currency: 'EUR', tax: '1' },
      };
      await request(url)
        .post('/api/tickets-status')
        .set('Idempotency-Key', key)
        .send({ tickets: [ticket], source: 'dead-nation' })
        .expect(200);
      const [row] = await env.query(
        `SELECT payload FROM outbox WHERE payload::jsonb->'header'->>'idempotency_key' = $1`,
        [key + ticket.ticket_id],
      );
      const payload = JSON.parse(row.payload);
      expect(payload.seat).toBeUndefined();
      expect(payload.price).toEqual({ amount: '5.00', currency: 'EUR' });
    });

    it('400 without an Idempotency-Key', async () => {
      const before = await quietFootprint(env);
      const res = await request(url)
        .post('/api/tickets-status')
        .send({ tickets: [webhookTicket({ booking_id })] })
        .expect(400);
      expect(res.body.message).toBe('the Idempotency-Key header is required');
      expect(await footprint(env)).toEqual(before);
    });

    it('400 for an unknown status; one invalid ticket rejects them all', async () => {
      const before = await quietFootprint(env);
      const res = await postWebhook(url, randomUUID(), [
        webhookTicket({ booking_id }),
        { ...webhookTicket({ booking_id }), status: 'refunded' as 'confirmed' },
      ]).expect(400);
      expect(res.body.message).toEqual([
        'tickets.1.status must be one of the following values: confirmed, canceled',
      ]);
      expect(await footprint(env)).toEqual(before);
    });
  });

  describe('GET /api/tickets', () => {
    it('lists the confirmed and not canceled tickets, money as strings', async () => {
      const kept = webhookTicket({ booking_id, price: { amount: '7', currency: 'GBP' } });
      const canceled = webhookTicket({ booking_id });
      await postWebhook(url, randomUUID(), [kept, canceled]).expect(200);
      await eventually(async () =>
        (await liveTickets(url)).some((t) => t.ticket_id === canceled.ticket_id),
      );
      await postWebhook(url, randomUUID(), [{ ...canceled, status: 'canceled' }]).expect(200);
      const list = await eventually(async () => {
        const l = await liveTickets(url);
        return !l.some((t) => t.ticket_id === canceled.ticket_id) && l;
      });
      expect(list).toContainEqual({
        ticket_id: kept.ticket_id,
        customer_email: kept.customer_email,
        price: { amount: '7.00', currency: 'GBP' },
      });
      const [row] = await env.query('SELECT deleted_at FROM tickets WHERE ticket_id = $1', [
        canceled.ticket_id,
      ]);
      expect(row.deleted_at).toBeInstanceOf(Date);
    });

    it('a cancel delivered before its confirm still cancels', async () => {
      const ticket = webhookTicket({ booking_id });
      await postWebhook(url, randomUUID(), [{ ...ticket, status: 'canceled' }]).expect(200);
      // The cancel lands first, as a tombstone: the ticket row exists only as canceled.
      await eventually(
        async () =>
          (await env.query('SELECT 1 FROM tickets WHERE ticket_id = $1', [ticket.ticket_id]))
            .length === 1,
        { what: 'the cancel recorded' },
      );
      await postWebhook(url, randomUUID(), [ticket]).expect(200);
      await eventually(
        async () =>
          (
            await env.query('SELECT deleted_at FROM tickets WHERE ticket_id = $1', [
              ticket.ticket_id,
            ])
          )[0]?.deleted_at,
        { what: 'the early cancel applied' },
      );
      expect((await liveTickets(url)).some((t) => t.ticket_id === ticket.ticket_id)).toBe(false);
    });

    it('streams thousands of tickets as one plain array; limit/after page through them', async () => {
      await env.query(
        `INSERT INTO tickets (ticket_id, booking_id, price_amount, price_currency, customer_email)
         SELECT gen_random_uuid(), gen_random_uuid(), 10, 'EUR', 'bulk@example.com' FROM generate_series(1, 2500)`,
      );
      const all = await liveTickets(url);
      const [{ n }] = await env.query(
        'SELECT count(*)::int AS n FROM tickets WHERE deleted_at IS NULL',
      );
      expect(all).toHaveLength(n);
      expect(new Set(all.map((t) => t.ticket_id)).size).toBe(n);
      const page1 = (await request(url).get('/api/tickets?limit=700').expect(200)).body;
      const page2 = (
        await request(url).get(`/api/tickets?limit=700&after=${page1[699].ticket_id}`).expect(200)
      ).body;
      expect(page1).toEqual(all.slice(0, 700));
      expect(page2).toEqual(all.slice(700, 1400));
    });

    it('400 for bad paging parameters and unknown ones', async () => {
      expect((await request(url).get('/api/tickets?limit=0').expect(400)).body.message).toEqual([
        'limit must not be less than 1',
      ]);
      expect((await request(url).get('/api/tickets?after=nope').expect(400)).body.message).toEqual([
        'after must be a UUID',
      ]);
      expect((await request(url).get('/api/tickets?page=2').expect(400)).body.message).toEqual([
        'property page should not exist',
      ]);
    });
  });

  describe('PUT /api/ticket-refund/:ticket_id', () => {
    it('202 {ticket_id} and a RefundTicket command in the outbox, canceled tickets included', async () => {
      const ticket = webhookTicket({ booking_id });
      await postWebhook(url, randomUUID(), [ticket]).expect(200);
      await postWebhook(url, randomUUID(), [{ ...ticket, status: 'canceled' }]).expect(200);
      await eventually(
        async () =>
          (
            await env.query('SELECT deleted_at FROM tickets WHERE ticket_id = $1', [
              ticket.ticket_id,
            ])
          )[0]?.deleted_at,
      );
      const res = await request(url).put(`/api/ticket-refund/${ticket.ticket_id}`).expect(202);
      expect(res.body).toEqual({ ticket_id: ticket.ticket_id });
      const rows = await env.query(
        `SELECT destination, payload FROM outbox WHERE name = 'RefundTicket' AND payload::jsonb->>'ticket_id' = $1`,
        [ticket.ticket_id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].destination).toBe('commands.RefundTicket');
    });

    it('404 for a ticket not stored (yet); nothing written', async () => {
      const before = await quietFootprint(env);
      const id = randomUUID();
      const res = await request(url).put(`/api/ticket-refund/${id}`).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, message: `ticket ${id} not found` });
      expect(await footprint(env)).toEqual(before);
    });

    it('400 when the id is not a UUID', async () => {
      const res = await request(url).put('/api/ticket-refund/123').expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: 'ticket_id must be a UUID' });
    });
  });

  describe('bodies', () => {
    it('413 with a JSON error for a body over 1 MiB', async () => {
      const res = await request(url)
        .post('/api/shows')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ title: 'x'.repeat(1024 * 1024 + 10) }))
        .expect(413);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'the body is larger than 1 MiB',
      });
    });

    it('400 with a JSON error for malformed JSON', async () => {
      const res = await request(url)
        .post('/api/book-tickets')
        .set('Content-Type', 'application/json')
        .send('{"show_id": ')
        .expect(400);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringContaining('the body is not valid JSON'),
      });
    });

    it('415 for a body that is not JSON', async () => {
      const res = await request(url)
        .post('/api/shows')
        .set('Content-Type', 'text/plain')
        .send('dead_nation_id=1')
        .expect(415);
      expect(res.body).toMatchObject({
        statusCode: 415,
        message: expect.stringContaining('application/json'),
      });
    });
  });

  describe('GET /api/docs', () => {
    it('serves Swagger UI and an OpenAPI document with an example for every request and error', async () => {
      await request(url).get('/api/docs/').expect(200).expect('Content-Type', /html/);
      const doc = (await request(url).get('/api/docs-json').expect(200)).body;
      const operations: [string, string, any][] = [
        ['/api/shows', 'post', [201, 400, 409, 413, 415]],
        ['/api/book-tickets', 'post', [201, 400, 404, 413, 415]],
        ['/api/tickets-status', 'post', [200, 400, 413, 415, 422]],
        ['/api/tickets', 'get', [200, 400]],
        ['/api/ticket-refund/{ticket_id}', 'put', [202, 400, 404]],
      ];
      for (const [path, method, statuses] of operations) {
        const op = doc.paths[path]?.[method];
        expect(op).toBeDefined();
        for (const status of statuses) {
          const content = op.responses[String(status)]?.content?.['application/json'];
          expect({ path, status, has: Boolean(content) }).toEqual({ path, status, has: true });
          if (status >= 400) expect(content.example).toMatchObject({ statusCode: status });
        }
      }
      expect(doc.components.schemas.CreateShowRequest.properties.start_time.example).toBeDefined();
    });
  });
});
