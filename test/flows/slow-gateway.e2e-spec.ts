import { randomUUID } from 'node:crypto';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../src/simulator/gateway-simulator';
import { eventually, TestEnv } from '../support/test-env';
import { createBooking, postWebhook, webhookTicket } from './support';

/**
 * R15: a gateway that never answers must not starve the handlers that do not need it. The
 * handlers that call it hold no database connection while they wait (deferWrites), so with a
 * pool of 6 (2 handler slots) the tickets are still stored at once.
 */
describe('a gateway that hangs', () => {
  const env = new TestEnv({ DB_POOL_SIZE: '6', MAX_DELIVERIES: '100' });
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false }, timeout_hold_ms: 10_000 });
    sim.configure({
      faults: {
        receipts: { timeout_rate: 1 },
        files: { timeout_rate: 1 },
        spreadsheets: { timeout_rate: 1 },
      },
    });
    ({ url } = await env.start(featureModules, {
      GATEWAY_URL: sim.url,
      GATEWAY_TIMEOUT_MS: '3000',
      GATEWAY_RETRIES: '0',
    }));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('does not hold back storing the tickets', async () => {
    const booking_id = await createBooking(url);
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
      { timeoutMs: 2500, what: 'all 20 tickets stored while receipts and files hang' },
    );
    // ...while the receipts were indeed still hanging
    const { data } = await (await import('axios')).default.get(`${sim.url}/receipts-api/receipts`);
    expect(data).toEqual([]);
  });
});
