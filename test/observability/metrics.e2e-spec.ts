import request from 'supertest';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { createShow, quietFootprint } from '../flows/support';
import { UUID } from '../gateway/support';
import { eventually, TestEnv } from '../support/test-env';
import { parsePrometheus, Sample, seriesValue } from './support';

const TICKETS = 2;
const BOOKED = 'events.BookingMade_v1';
const CONFIRMED = 'events.TicketBookingConfirmed_v1';

/** What one booking of TICKETS seats, confirmed by Dead Nation, makes each handler process. */
const EXPECTED_PROCESSED: [topic: string, handler: string, count: number][] = [
  [BOOKED, 'book_at_dead_nation', 1],
  [BOOKED, 'ops_booking_made', 1],
  [CONFIRMED, 'store_ticket', TICKETS],
  [CONFIRMED, 'print_list', TICKETS],
  [CONFIRMED, 'issue_receipt', TICKETS],
  [CONFIRMED, 'print_ticket', TICKETS],
  [CONFIRMED, 'ops_ticket_confirmed', TICKETS],
  ['events.TicketReceiptIssued_v1', 'ops_receipt_issued', TICKETS],
  ['events.TicketPrinted_v1', 'ops_ticket_printed', TICKETS],
  // The VIP bundle process reads every booking and confirmation to find its own.
  [BOOKED, 'vip_bundle_process', 1],
  [CONFIRMED, 'vip_bundle_process', TICKETS],
];

/** Spec §7: /metrics in Prometheus text format, the message and HTTP metrics, no ids in labels. */
describe('/metrics', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  const scrape = async (): Promise<Sample[]> => {
    const res = await request(url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return parsePrometheus(res.text);
  };

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { delay_ms: 10 } });
    // No client-side retries: a 500 from the gateway fails the handler attempt, as the test wants.
    ({ url } = await env.start(featureModules, { GATEWAY_URL: sim.url, GATEWAY_RETRIES: '0' }));
    sim.configure({ webhook: { app_url: url } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('parses as Prometheus text and holds every family spec §7 names', async () => {
    const names = new Set((await scrape()).map((s) => s.name));
    for (const family of [
      'outbox_backlog',
      'outbox_oldest_unpublished_age_seconds',
      'dead_letters',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(family);
    }
    const text = (await request(url).get('/metrics')).text;
    for (const declared of [
      'messages_processed_total counter',
      'messages_processing_failed_total counter',
      'messages_processing_duration_seconds histogram',
      'http_requests_total counter',
      'http_request_duration_seconds histogram',
      'consumer_group_pending gauge',
    ]) {
      expect(text).toContain(`# TYPE ${declared}`);
    }
  });

  it('after one booking: messages_processed_total grew by the expected count per handler, a failing receipts call moved messages_processing_failed_total, HTTP counts by route', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    await quietFootprint(env);
    const before = await scrape();
    sim.configure({ faults: { receipts: { fail_next: TICKETS } } });

    await request(url)
      .post('/api/book-tickets')
      .send({ show_id, number_of_tickets: TICKETS, customer_email: 'ada@example.com' })
      .expect(201);
    await eventually(() => sim.state.receipts.length === TICKETS, { what: 'receipts issued' });
    await quietFootprint(env);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);
    const grown = Object.fromEntries(
      EXPECTED_PROCESSED.map(([topic, handler]) => [
        `${topic} ${handler}`,
        delta('messages_processed_total', { topic, handler }),
      ]),
    );
    expect(grown).toEqual(
      Object.fromEntries(EXPECTED_PROCESSED.map(([t, h, n]) => [`${t} ${h}`, n])),
    );
    const total = (samples: Sample[]) =>
      samples
        .filter((s) => s.name === 'messages_processed_total')
        .reduce((sum, s) => sum + s.value, 0);
    expect(total(after) - total(before)).toBe(EXPECTED_PROCESSED.reduce((n, [, , c]) => n + c, 0));

    const receipts = { topic: CONFIRMED, handler: 'issue_receipt' };
    expect(delta('messages_processing_failed_total', receipts)).toBe(TICKETS);
    expect(delta('messages_processing_duration_seconds_count', receipts)).toBe(2 * TICKETS);
    expect(
      delta('messages_processing_failed_total', { topic: BOOKED, handler: 'book_at_dead_nation' }),
    ).toBe(0);

    const booked = { method: 'POST', route: '/api/book-tickets', status: '201' };
    expect(delta('http_requests_total', booked)).toBe(1);
    expect(delta('http_request_duration_seconds_count', booked)).toBe(1);
    // Dead Nation's webhook, sent twice with one key.
    const webhook = { method: 'POST', route: '/api/tickets-status', status: '200' };
    expect(delta('http_requests_total', webhook)).toBe(2);

    expect(seriesValue(after, 'outbox_backlog', {})).toBe(0);
    expect(seriesValue(after, 'dead_letters', {})).toBe(0);
  });

  it('labels carry route templates, never ids', async () => {
    const id = '5f0c3a52-8a8e-4a55-9a47-4f2d8e0c1b11';
    await request(url).get(`/api/ops/bookings/${id}`).expect(404);
    await request(url).put(`/api/ticket-refund/${id}`).expect(404);
    await request(url).get(`/api/no-such-thing/${id}`).expect(404);
    const samples = await scrape();
    const requests = (route: string) =>
      seriesValue(samples, 'http_requests_total', { method: 'GET', route, status: '404' });
    expect(requests('/api/ops/bookings/:booking_id')).toBe(1);
    expect(
      seriesValue(samples, 'http_requests_total', {
        method: 'PUT',
        route: '/api/ticket-refund/:ticket_id',
        status: '404',
      }),
    ).toBe(1);
    expect(requests('unmatched')).toBe(1);
    const idLike = new RegExp(UUID.source.slice(1, -1), 'i');
    const withIds = samples.filter((s) => Object.values(s.labels).some((v) => idLike.test(v)));
    expect(withIds).toEqual([]);
  });
});
