import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { callsPer, ENDPOINTS, rawCalls } from '../support/sim-calls';
import { eventually, TestEnv } from '../support/test-env';
import { createBooking, postWebhook, webhookTicket } from './support';

const SHEET = 'tickets-to-print';
/** The app gives up on a call after this long (and retries no append: Spreadsheets has no key). */
const GATEWAY_TIMEOUT_MS = 500;
/**
 * The sheet holds the append this long before writing it: well past the app's timeout, well
 * within the ledger's lease (leaseMsFor with these settings: 2 * (2 * 500 + 120) + 5000 ms).
 */
const APPEND_LATENCY_MS = 4 * GATEWAY_TIMEOUT_MS;

/**
 * Chaos run 2026-12-01-2053 (seed 1964435637): tickets with two rows on the print list. An append
 * the app gave up on is still on its way to the sheet; a retry that reads the sheet back before
 * that append can no longer land finds no row, and must wait rather than append a second one.
 */
describe('a spreadsheet append that times out and lands later', () => {
  const env = new TestEnv({ MAX_DELIVERIES: '100' });
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false } });
    ({ url } = await env.start(featureModules, {
      GATEWAY_URL: sim.url,
      GATEWAY_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
      GATEWAY_RETRIES: '1',
      GATEWAY_RETRY_BASE_MS: '10',
      GATEWAY_RETRY_MAX_MS: '100',
    }));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  const appends = () =>
    sim.state.requests.filter((r) => r.service === 'spreadsheets' && r.method === 'POST');
  /** Every row of the sheet, not a deduplicated view. */
  const sheetRows = async () =>
    (await request(sim.url).get(`/spreadsheets-api/sheets/${SHEET}/rows`).expect(200)).body
      .rows as string[][];

  it('is waited for, never appended again: exactly one row', async () => {
    const booking_id = await createBooking(url);
    const ticket = webhookTicket({ booking_id });
    // Only the first append is slow: the simulator takes a call's latency when it arrives, so
    // the retry's read-back (and any append) answers at once once this is switched off.
    sim.configure({ faults: { spreadsheets: { latency_ms: APPEND_LATENCY_MS } } });
    await postWebhook(url, randomUUID(), [ticket]).expect(200);
    await eventually(() => appends().length === 1, { what: 'the first append on its way' });
    sim.configure({ faults: { spreadsheets: { latency_ms: 0 } } });

    await eventually(
      async () =>
        (
          await env.query(
            'SELECT 1 FROM spreadsheet_rows WHERE sheet = $1 AND ticket_id = $2 AND appended_at IS NOT NULL',
            [SHEET, ticket.ticket_id],
          )
        ).length === 1,
      { what: 'the row marked appended', timeoutMs: 60_000 },
    );
    await settled(env);
    // Nothing can append any more; the held append lands in the end (the simulator counts a
    // call when it handles it), so the count below is final.
    await eventually(() => appends().every((r) => r.key !== null), {
      what: 'every append handled by the sheet',
    });

    const calls = callsPer(await rawCalls(sim), ENDPOINTS.appendRow, [ticket.ticket_id], {
      keyOf: (id) => `${SHEET}/${id}`,
    });
    expect(calls).toEqual({ [ticket.ticket_id]: 1 });
    expect((await sheetRows()).filter((r) => r[0] === ticket.ticket_id)).toHaveLength(1);
    // Causality: the record is marked done only once the held append landed (read-backs before
    // that may only find no row and wait).
    const heldUntil = new Date(appends()[0].at).getTime() + APPEND_LATENCY_MS;
    const [{ appended_at }] = await env.query<{ appended_at: Date }>(
      'SELECT appended_at FROM spreadsheet_rows WHERE sheet = $1 AND ticket_id = $2',
      [SHEET, ticket.ticket_id],
    );
    expect(appended_at.getTime()).toBeGreaterThanOrEqual(heldUntil);
    expect(await env.redisClient.xrange(env.key('dead-letters'), '-', '+')).toEqual([]);
  });
});
