import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { TestEnv } from '../support/test-env';
import { createBooking, footprint, postWebhook, quietFootprint, webhookTicket } from './support';
import { startJourney } from '../support/journey';

/**
 * Spec §9, "integrity under hostile input", for Dead Nation's webhook: what it cannot stand
 * behind is refused whole, and nothing of it is written.
 */
describe('the webhook takes in only what it can stand behind', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;
  let booking_id: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
    booking_id = await createBooking(url);
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  describe('tickets of unknown bookings', () => {
    it('422 naming each booking id that names no booking; nothing of the request written', async () => {
      const unknown = randomUUID();
      const other = randomUUID();
      const before = await quietFootprint(env);
      const res = await postWebhook(url, randomUUID(), [
        webhookTicket({ booking_id }),
        webhookTicket({ booking_id: unknown }),
        webhookTicket({ booking_id: other }),
        webhookTicket({ booking_id: unknown }),
      ]).expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
      expect(res.body.message).toEqual([
        `tickets.1.booking_id names no booking: ${unknown}`,
        `tickets.2.booking_id names no booking: ${other}`,
      ]);
      expect(await footprint(env)).toEqual(before);
    });

    it('a refused request does not spend its key: the corrected request is taken in', async () => {
      const key = randomUUID();
      const ticket = webhookTicket({ booking_id: randomUUID() });
      await postWebhook(url, key, [ticket]).expect(422);
      await postWebhook(url, key, [{ ...ticket, booking_id }]).expect(200);
      const [{ n }] = await env.query(
        `SELECT count(*)::int AS n FROM outbox WHERE payload::jsonb->'header'->>'idempotency_key' = $1`,
        [key + ticket.ticket_id],
      );
      expect(n).toBe(1);
    });
  });

  describe('one Idempotency-Key, one request', () => {
    const confirmedUnder = async (key: string) =>
      (
        await env.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox
            WHERE name LIKE 'TicketBooking%' AND payload::jsonb->'header'->>'idempotency_key' LIKE $1 || '%'`,
          [key],
        )
      )[0].n;

    it('the same body again, in other whitespace, key order and letter case: 200, nothing written', async () => {
      const key = randomUUID();
      const tickets = [webhookTicket({ booking_id }), webhookTicket({ booking_id })];
      await postWebhook(url, key, tickets).expect(200);
      const before = await quietFootprint(env);
      // the same tickets, fields in reverse order, UUIDs upper-case, an unknown field, spaces
      const reordered = tickets.map((t) => ({
        ...Object.fromEntries(Object.entries(t).reverse()),
        ticket_id: t.ticket_id.toUpperCase(),
        seat: '12A',
      }));
      const res = await request(url)
        .post('/api/tickets-status')
        .set('Idempotency-Key', key)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ tickets: reordered }, null, 4))
        .expect(200);
      expect(res.body).toEqual({});
      expect(await footprint(env)).toEqual(before);
      expect(await confirmedUnder(key)).toBe(2);
    });

    it('the same key with a different body: 422, nothing written', async () => {
      const key = randomUUID();
      const ticket = webhookTicket({ booking_id });
      await postWebhook(url, key, [ticket]).expect(200);
      const before = await quietFootprint(env);
      for (const other of [
        [{ ...ticket, status: 'canceled' as const }],
        [ticket, webhookTicket({ booking_id })],
        [{ ...ticket, price: { amount: '50.01', currency: 'EUR' } }],
      ]) {
        const res = await postWebhook(url, key, other).expect(422);
        expect(res.body).toMatchObject({
          statusCode: 422,
          message: 'the Idempotency-Key was used before with a different body',
        });
      }
      expect(await footprint(env)).toEqual(before);
      expect(await confirmedUnder(key)).toBe(1);
    });

    it('two requests at once with one key and different bodies: one is taken in, the other 422', async () => {
      for (let round = 0; round < 5; round++) {
        const key = randomUUID();
        const bodies = [[webhookTicket({ booking_id })], [webhookTicket({ booking_id })]];
        const answers = await Promise.all(bodies.map((tickets) => postWebhook(url, key, tickets)));
        expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
        const taken = bodies[answers.findIndex((a) => a.status === 200)][0];
        const rows = await env.query<{ id: string }>(
          `SELECT payload::jsonb->'header'->>'idempotency_key' AS id FROM outbox
            WHERE name LIKE 'TicketBooking%' AND payload::jsonb->'header'->>'idempotency_key' LIKE $1 || '%'`,
          [key],
        );
        expect(rows.map((r) => r.id)).toEqual([key + taken.ticket_id]);
      }
    });
  });

  it('400 when customer_email is not an e-mail address; nothing written', async () => {
    const before = await quietFootprint(env);
    const res = await postWebhook(url, randomUUID(), [
      webhookTicket({ booking_id }),
      webhookTicket({ booking_id, customer_email: 'ada at example.com' }),
    ]).expect(400);
    expect(res.body.message).toEqual(['tickets.1.customer_email must be an email']);
    expect(await footprint(env)).toEqual(before);
  });
});
