import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { featureModules } from '../../src/features';
import { refundKeys } from '../../src/refunds/refund-ticket/refund-keys';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { callsPer, ENDPOINTS, rawCalls } from '../support/sim-calls';
import { eventually, TestEnv } from '../support/test-env';
import { createBooking, createShow, liveTickets, postWebhook, webhookTicket } from './support';

/** Read in-process: the simulator's own read-back endpoint is faulty too in these tests. */
const rows = async (sim: RunningSimulator, sheet: string) => sim.state.sheets.get(sheet) ?? [];

function tally(ids: string[], seen: string[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const id of seen) if (ids.includes(id)) n[id] = (n[id] ?? 0) + 1;
  return n;
}
/** How often each of `ids` has a row on the sheet. */
async function sheetTally(sim: RunningSimulator, sheet: string, ids: string[]) {
  return tally(
    ids,
    (await rows(sim, sheet)).map((r) => r[0]),
  );
}
const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

async function storedOnce(env: TestEnv, name: string, ids: string[]) {
  const found = await env.query<{ id: string }>(
    `SELECT event_payload->>'ticket_id' AS id FROM events WHERE event_name = $1 AND event_payload->>'ticket_id' = ANY($2)`,
    [name, ids],
  );
  return tally(
    ids,
    found.map((f) => f.id),
  );
}

/** A flaky gateway changes when the effects happen, never how many there are. */
describe('exactly-once effects against a faulty gateway', () => {
  const env = new TestEnv({ MAX_DELIVERIES: '40' });
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { delay_ms: 10 }, timeout_hold_ms: 4000 });
    // Short backoff, so lost answers are quick. The timeout stays well above what a loaded
    // machine can take to deliver an answer: a call the simulator answered but the app gave up
    // on would be retried with its key and counted as answered twice, though nothing was lost.
    ({ url } = await env.start(featureModules, {
      GATEWAY_URL: sim.url,
      GATEWAY_TIMEOUT_MS: '2000',
      GATEWAY_RETRY_BASE_MS: '10',
      GATEWAY_RETRY_MAX_MS: '50',
    }));
    sim.configure({ webhook: { app_url: url } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('30% of answers 500 (most after the effect) plus delays: every effect once, only later', async () => {
    const flaky = { error_rate: 0.3, latency_ms: 15, after_effect: true };
    sim.configure({
      faults: {
        'dead-nation': flaky,
        receipts: flaky,
        payments: flaky,
        files: flaky,
        // Spreadsheets have no idempotency field: a 500 after the write is caught by reading back.
        spreadsheets: flaky,
      },
    });
    const show_id = await createShow(url, { number_of_tickets: 20 });
    const bookingIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 2, customer_email: `f${i}@example.com` })
        .expect(201);
      bookingIds.push(res.body.booking_id);
    }
    const bookings = await eventually(
      () =>
        bookingIds.every((id) => sim.state.bookings.has(id)) &&
        bookingIds.map((id) => sim.state.bookings.get(id)!),
      { what: 'bookings at Dead Nation', timeoutMs: 30_000 },
    );
    const ids = bookings.flatMap((b) => b.ticket_ids);
    expect(ids).toHaveLength(10);

    await eventually(
      async () => Object.keys(await storedOnce(env, 'TicketPrinted_v1', ids)).length === 10,
      {
        what: 'all printed',
        timeoutMs: 30_000,
      },
    );
    await eventually(
      async () => Object.keys(await storedOnce(env, 'TicketReceiptIssued_v1', ids)).length === 10,
      {
        what: 'all receipted',
        timeoutMs: 30_000,
      },
    );
    await eventually(
      async () => Object.keys(await sheetTally(sim, 'tickets-to-print', ids)).length === 10,
      {
        what: 'all on the print list',
        timeoutMs: 30_000,
      },
    );
    await eventually(
      async () => (await liveTickets(url)).filter((t) => ids.includes(t.ticket_id)).length === 10,
    );

    const refunded = ids.slice(0, 3);
    for (const id of [...refunded, ...refunded]) {
      await request(url).put(`/api/ticket-refund/${id}`).expect(202);
    }
    await eventually(
      async () => Object.keys(await storedOnce(env, 'TicketRefunded_v1', refunded)).length === 3,
      {
        what: 'refunds',
        timeoutMs: 30_000,
      },
    );
    // Nothing left to retry or redeliver: a late duplicate could no longer be on its way.
    await settled(env);
    // Retries after a lost answer repeat a call (same key); a call the app got an answer to is
    // never made again. The read-back below hides repeated keys, these raw counts do not.
    const calls = await rawCalls(sim);
    const answered = (endpoint: string, of: string[], keyOf?: (id: string) => string) =>
      callsPer(calls, endpoint, of, { field: 'answered', keyOf });
    expect(answered(ENDPOINTS.booking, bookingIds)).toEqual(once(bookingIds));
    expect(answered(ENDPOINTS.receipt, ids)).toEqual(once(ids));
    expect(answered(ENDPOINTS.file, ids)).toEqual(once(ids));
    const voidKey = (id: string) => refundKeys(id).voidReceipt;
    const refundKey = (id: string) => refundKeys(id).refund;
    expect(answered(ENDPOINTS.voidReceipt, refunded, voidKey)).toEqual(once(refunded));
    expect(answered(ENDPOINTS.refund, refunded, refundKey)).toEqual(once(refunded));
    // An append answered 500 after writing is found by reading back: answered at most once.
    const printKeys = ids.map((id) => `tickets-to-print/${id}`);
    expect(Object.values(answered(ENDPOINTS.appendRow, printKeys)).filter((n) => n > 1)).toEqual(
      [],
    );

    expect(
      tally(
        ids,
        sim.state.receipts.map((r) => r.ticket_id),
      ),
    ).toEqual(once(ids));
    expect(
      tally(
        ids,
        [...sim.state.files.keys()].map((f) => f.replace(/-ticket\.html$/, '')),
      ),
    ).toEqual(once(ids));
    expect(await sheetTally(sim, 'tickets-to-print', ids)).toEqual(once(ids));
    expect(await storedOnce(env, 'TicketPrinted_v1', ids)).toEqual(once(ids));
    expect(await storedOnce(env, 'TicketReceiptIssued_v1', ids)).toEqual(once(ids));
    expect(
      tally(
        refunded,
        sim.state.voids.map((v) => v.ticket_id),
      ),
    ).toEqual(once(refunded));
    expect(
      tally(
        refunded,
        sim.state.refunds.map((r) => r.payment_reference),
      ),
    ).toEqual(once(refunded));
    expect(await storedOnce(env, 'TicketRefunded_v1', refunded)).toEqual(once(refunded));
    expect(bookingIds.every((id) => sim.state.bookings.get(id)?.ticket_ids.length === 2)).toBe(
      true,
    );
    // The faults did happen.
    expect(sim.state.requests.filter((r) => r.fault === 'error').length).toBeGreaterThanOrEqual(5);
  });

  it('Spreadsheets timing out after writing: the append is read back, never doubled', async () => {
    sim.configure({
      faults: {
        all: { error_rate: 0, latency_ms: 0, after_effect: false },
        spreadsheets: { timeout_rate: 0.4, after_effect: true },
      },
    });
    const booking_id = await createBooking(url);
    const confirmed = Array.from({ length: 6 }, () => webhookTicket({ booking_id }));
    const canceled = confirmed.slice(0, 3).map((t) => ({ ...t, status: 'canceled' as const }));
    await postWebhook(url, randomUUID(), confirmed).expect(200);
    await postWebhook(url, randomUUID(), canceled).expect(200);
    const ids = confirmed.map((t) => t.ticket_id);
    const canceledIds = canceled.map((t) => t.ticket_id);
    await eventually(
      async () => Object.keys(await sheetTally(sim, 'tickets-to-print', ids)).length === 6,
      { what: 'print rows', timeoutMs: 40_000 },
    );
    await eventually(
      async () => Object.keys(await sheetTally(sim, 'tickets-to-refund', canceledIds)).length === 3,
      { what: 'refund rows', timeoutMs: 40_000 },
    );
    await eventually(
      async () => {
        const [{ n }] = await env.query(
          `SELECT count(*)::int AS n FROM spreadsheet_rows WHERE ticket_id = ANY($1) AND appended_at IS NOT NULL`,
          [ids],
        );
        return n === 9;
      },
      { what: 'every append marked done', timeoutMs: 40_000 },
    );
    sim.configure({ faults: { spreadsheets: { timeout_rate: 0 } } });
    await settled(env);
    expect(await sheetTally(sim, 'tickets-to-print', ids)).toEqual(once(ids));
    // A row whose answer was lost is read back, never appended again once answered.
    const rowKeys = [
      ...ids.map((id) => `tickets-to-print/${id}`),
      ...canceledIds.map((id) => `tickets-to-refund/${id}`),
    ];
    const answered = callsPer(await rawCalls(sim), ENDPOINTS.appendRow, rowKeys, {
      field: 'answered',
    });
    expect(Object.values(answered).filter((n) => n > 1)).toEqual([]);
    expect(await sheetTally(sim, 'tickets-to-refund', canceledIds)).toEqual(once(canceledIds));
    expect(
      sim.state.requests.filter((r) => r.service === 'spreadsheets' && r.fault === 'timeout')
        .length,
    ).toBeGreaterThan(2);
    // Some retries found their record unfinished and read the sheet back.
    expect(sim.state.requests.some((r) => r.service === 'spreadsheets' && r.method === 'GET')).toBe(
      true,
    );
  });
});
