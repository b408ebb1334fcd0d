import { randomUUID } from 'node:crypto';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../src/simulator/gateway-simulator';
import { TestEnv } from '../support/test-env';
import { createBooking, footprint, postWebhook, quietFootprint, webhookTicket } from './support';

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
    sim = await startSimulator({ webhook: { enabled: false } });
    ({ url } = await env.start(featureModules, { GATEWAY_URL: sim.url }));
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
