import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { featureModules } from '../../src/features';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { eventually, TestEnv } from '../support/test-env';
import {
  createBooking,
  createShow,
  footprint,
  liveTickets,
  quietFootprint,
  webhookTicket,
} from '../flows/support';
import { newWebhookSecret, nowSeconds, sign } from './support';
import { startJourney } from '../support/journey';

/** Spec §9: with DEAD_NATION_WEBHOOK_SECRET set, only Dead Nation's signed webhooks get in. */
describe('the webhook signature (Standard Webhooks)', () => {
  const secret = newWebhookSecret();
  const env = new TestEnv({ DEAD_NATION_WEBHOOK_SECRET: secret });
  let sim: RunningSimulator;
  let url: string;
  let booking_id: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env, { webhook: { delay_ms: 10 }, webhookSecret: secret }));
    sim.configure({ webhook: { app_url: url, enabled: false } });
    booking_id = await createBooking(url);
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  const body = () => JSON.stringify({ tickets: [webhookTicket({ booking_id })] });

  /** Posts `payload` as these very bytes, with the given signature headers. */
  const post = (payload: string, headers: Record<string, string>) =>
    request(url)
      .post('/api/tickets-status')
      .set('Content-Type', 'application/json')
      .set('Idempotency-Key', randomUUID())
      .set(headers)
      .send(payload);

  const signed = (payload: string, id = `msg_${randomUUID()}`, at = nowSeconds()) => ({
    'webhook-id': id,
    'webhook-timestamp': String(at),
    'webhook-signature': sign(secret, id, at, payload),
  });

  /** A refusal is a 401 in the error shape, and nothing of the request is written. */
  async function refused(payload: string, headers: Record<string, string>, message: RegExp) {
    const before = await quietFootprint(env);
    const res = await post(payload, headers).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(res.body.message).toMatch(message);
    expect(await footprint(env)).toEqual(before);
  }

  it('takes in a correctly signed request', async () => {
    const payload = body();
    await post(payload, signed(payload)).expect(200);
    const ticketId = JSON.parse(payload).tickets[0].ticket_id;
    await eventually(async () => (await liveTickets(url)).some((t) => t.ticket_id === ticketId), {
      what: 'the signed ticket stored',
    });
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    '401 without the %s header, nothing written',
    async (missing) => {
      const payload = body();
      const headers = signed(payload);
      delete (headers as Record<string, string>)[missing];
      await refused(payload, headers, new RegExp(missing));
    },
  );

  it('401 for a signature made with another secret', async () => {
    const payload = body();
    const id = `msg_${randomUUID()}`;
    const at = nowSeconds();
    await refused(
      payload,
      {
        ...signed(payload, id, at),
        'webhook-signature': sign(newWebhookSecret(), id, at, payload),
      },
      /webhook-signature/,
    );
  });

  it('401 for a timestamp more than 5 minutes old, even correctly signed', async () => {
    const payload = body();
    await refused(payload, signed(payload, undefined, nowSeconds() - 6 * 60), /webhook-timestamp/);
  });

  it('401 for a timestamp more than 5 minutes ahead', async () => {
    const payload = body();
    await refused(payload, signed(payload, undefined, nowSeconds() + 6 * 60), /webhook-timestamp/);
  });

  it('401 when the body changed after signing (even by whitespace only)', async () => {
    const payload = body();
    const headers = signed(payload);
    await refused(`${payload} `, headers, /webhook-signature/);
    const changed = JSON.stringify({ tickets: [webhookTicket({ booking_id })] });
    await refused(changed, headers, /webhook-signature/);
  });

  it('takes two signatures of which one is valid (a secret being rotated)', async () => {
    const payload = body();
    const headers = signed(payload);
    const old = sign(
      newWebhookSecret(),
      headers['webhook-id'],
      Number(headers['webhook-timestamp']),
      payload,
    );
    await post(payload, {
      ...headers,
      'webhook-signature': `${old} ${headers['webhook-signature']}`,
    }).expect(200);
  });

  it('the journey through the simulator: its signed webhooks deliver the tickets', async () => {
    sim.configure({ webhook: { enabled: true } });
    const show_id = await createShow(url);
    const booked = await createBooking(url, { show_id, number_of_tickets: 2 });
    const hook = await eventually(
      () => sim.state.webhooks.find((w) => w.booking_id === booked && w.outcome === 'delivered'),
      { what: 'the simulator webhook delivered' },
    );
    expect(hook.attempts.every((a) => a.status === 200)).toBe(true);
    const ids = hook.body.tickets.map((t) => t.ticket_id);
    await eventually(
      async () => {
        const live = new Set((await liveTickets(url)).map((t) => t.ticket_id));
        return ids.every((id) => live.has(id));
      },
      { what: 'the booked tickets stored' },
    );
    expect(ids).toHaveLength(2);
  });
});

describe('the webhook without DEAD_NATION_WEBHOOK_SECRET', () => {
  const env = new TestEnv();
  let url: string;

  beforeAll(async () => {
    ({ url } = await env.start(featureModules));
  });
  afterAll(() => env.close());

  it('takes unsigned requests, as before', async () => {
    const booking_id = await createBooking(url);
    await request(url)
      .post('/api/tickets-status')
      .set('Idempotency-Key', randomUUID())
      .send({ tickets: [webhookTicket({ booking_id })] })
      .expect(200);
  });
});
