import { randomUUID } from 'node:crypto';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { eventually, TestEnv } from '../support/test-env';
import { createBooking, postWebhook, webhookTicket } from './support';

/** The app's gateway timeout here: far longer than the test, so the hanging calls hang throughout. */
const GATEWAY_TIMEOUT_MS = 60_000;

/**
 * R15: a gateway that never answers must not starve the handlers that do not need it. The
 * handlers that call it hold no database connection while they wait (deferWrites), so with a
 * pool of 6 (2 handler slots) and more hanging calls than slots, the tickets are still stored
 * before any hanging call ends.
 */
describe('a gateway that hangs', () => {
  const env = new TestEnv({ DB_POOL_SIZE: '6', MAX_DELIVERIES: '100' });
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    sim = await startSimulator({
      webhook: { enabled: false },
      timeout_hold_ms: 2 * GATEWAY_TIMEOUT_MS,
    });
    sim.configure({
      faults: {
        receipts: { timeout_rate: 1 },
        files: { timeout_rate: 1 },
        spreadsheets: { timeout_rate: 1 },
      },
    });
    ({ url } = await env.start(featureModules, {
      GATEWAY_URL: sim.url,
      GATEWAY_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
      GATEWAY_RETRIES: '0',
    }));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('does not hold back storing the tickets', async () => {
    const hanging = () =>
      sim.state.requests.filter(
        (r) => (r.service === 'receipts' || r.service === 'files') && r.status === null,
      ).length;
    // First more calls hang than there are handler slots (2): had each held one, no handler
    // could store a ticket until a call ended.
    const booking_id = await createBooking(url);
    const first = Array.from({ length: 4 }, () => webhookTicket({ booking_id }));
    await postWebhook(url, randomUUID(), first).expect(200);
    await eventually(() => hanging() > 2, {
      what: 'more receipt and file calls hanging than handler slots',
    });

    const tickets = Array.from({ length: 20 }, () => webhookTicket({ booking_id }));
    await postWebhook(url, randomUUID(), tickets).expect(200);
    await eventually(
      async () => {
        const [{ n }] = await env.query(
          'SELECT count(*)::int AS n FROM tickets WHERE ticket_id = ANY($1::uuid[])',
          [tickets.map((t) => t.ticket_id)],
        );
        return n === 20;
      },
      // Within the gateway timeout, so no slot can have come free by a call ending.
      {
        timeoutMs: GATEWAY_TIMEOUT_MS / 2,
        what: 'all 20 tickets stored while receipts and files hang',
      },
    );
    // ...while every receipt and file call was still hanging, none answered or timed out
    const calls = sim.state.requests.filter(
      (r) => r.service === 'receipts' || r.service === 'files',
    );
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.filter((r) => r.status !== null)).toEqual([]);
    const { data } = await (await import('axios')).default.get(`${sim.url}/receipts-api/receipts`);
    expect(data).toEqual([]);
  });
});
