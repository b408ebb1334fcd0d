import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { refundKeys } from '../../src/refunds/refund-ticket/refund-keys';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { callsPer, ENDPOINTS, rawCalls } from '../support/sim-calls';
import { eventually, TestEnv } from '../support/test-env';
import { createBooking, createShow, liveTickets, postWebhook, webhookTicket } from './support';
import { startJourney } from '../support/journey';

/** What the simulated services hold for a set of tickets, read back over HTTP as anyone would. */
async function gatewayView(sim: RunningSimulator, ticketIds: string[]) {
  const ids = new Set(ticketIds);
  const get = async (path: string) => (await request(sim.url).get(path).expect(200)).body;
  const receipts: { ticket_id: string }[] = await get('/receipts-api/receipts');
  const files: { files: string[] } = await get('/files-api/files');
  const toPrint: { rows: string[][] } = await get('/spreadsheets-api/sheets/tickets-to-print/rows');
  const toRefund: { rows: string[][] } = await get(
    '/spreadsheets-api/sheets/tickets-to-refund/rows',
  );
  const refunds: { payment_reference: string }[] = await get('/payments-api/refunds');
  const count = <T>(items: T[], idOf: (t: T) => string) => {
    const n: Record<string, number> = {};
    for (const item of items) if (ids.has(idOf(item))) n[idOf(item)] = (n[idOf(item)] ?? 0) + 1;
    return n;
  };
  return {
    receipts: count(receipts, (r) => r.ticket_id),
    files: count(files.files, (f) => f.replace(/-ticket\.html$/, '')),
    toPrint: count(toPrint.rows, (r) => r[0]),
    toRefund: count(toRefund.rows, (r) => r[0]),
    refunds: count(refunds, (r) => r.payment_reference),
    voids: count(sim.state.voids, (v) => v.ticket_id),
  };
}

const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

async function storedEvents(env: TestEnv, name: string, ticketIds: string[]): Promise<number> {
  const [{ n }] = await env.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE event_name = $1 AND event_payload->>'ticket_id' = ANY($2)`,
    [name, ticketIds],
  );
  return n;
}

describe('the ticketing journey against the gateway simulator (spec §4)', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env, { webhook: { delay_ms: 10 } }));
    sim.configure({ webhook: { app_url: url } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('book → Dead Nation → webhook twice → one receipt, file and print row per ticket → refund twice → refunded once', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    const correlationId = `journey-${randomUUID()}`;
    const { booking_id } = (
      await request(url)
        .post('/api/book-tickets')
        .set('Correlation-ID', correlationId)
        .send({ show_id, number_of_tickets: 3, customer_email: 'ada@example.com' })
        .expect(201)
    ).body;

    // Dead Nation got the booking once, with the request's correlation id, and confirmed it twice.
    const booking = await eventually(() => sim.state.bookings.get(booking_id), {
      what: 'Dead Nation booking',
    });
    expect(booking).toMatchObject({ number_of_tickets: 3, customer_address: 'ada@example.com' });
    const bookingCalls = sim.state.requests.filter(
      (r) => r.service === 'dead-nation' && r.method === 'POST',
    );
    expect(bookingCalls.filter((c) => c.correlation_id === correlationId)).toHaveLength(1);
    const webhook = await eventually(
      () =>
        sim.state.webhooks.find((w) => w.booking_id === booking_id && w.outcome === 'delivered'),
      { what: 'webhook delivered' },
    );
    expect(webhook.delivered).toBe(2);
    const ticketIds = booking.ticket_ids;
    expect(ticketIds).toHaveLength(3);

    // Every effect once per ticket.
    await eventually(
      async () => {
        const v = await gatewayView(sim, ticketIds);
        return (
          Object.keys(v.receipts).length === 3 &&
          Object.keys(v.files).length === 3 &&
          Object.keys(v.toPrint).length === 3
        );
      },
      { what: 'receipts, files and print rows' },
    );
    await eventually(async () => (await storedEvents(env, 'TicketPrinted_v1', ticketIds)) === 3);
    await eventually(
      async () => (await storedEvents(env, 'TicketReceiptIssued_v1', ticketIds)) === 3,
    );
    // Nothing left to redeliver: a second effect could no longer be on its way.
    await settled(env);
    const view = await gatewayView(sim, ticketIds);
    expect(view.receipts).toEqual(once(ticketIds));
    expect(view.files).toEqual(once(ticketIds));
    expect(view.toPrint).toEqual(once(ticketIds));
    // The read-back hides a repeated key; the raw calls do not.
    const calls = await rawCalls(sim);
    expect(callsPer(calls, ENDPOINTS.booking, [booking_id])).toEqual(once([booking_id]));
    expect(callsPer(calls, ENDPOINTS.receipt, ticketIds)).toEqual(once(ticketIds));
    expect(callsPer(calls, ENDPOINTS.file, ticketIds)).toEqual(once(ticketIds));
    const printKeys = ticketIds.map((id) => `tickets-to-print/${id}`);
    expect(callsPer(calls, ENDPOINTS.appendRow, printKeys)).toEqual(once(printKeys));
    const printRow = (
      await request(sim.url).get('/spreadsheets-api/sheets/tickets-to-print/rows')
    ).body.rows.find((r: string[]) => r[0] === ticketIds[0]);
    expect(printRow).toEqual([ticketIds[0], 'ada@example.com', '50.00', 'EUR']);
    const html = await request(sim.url)
      .get(`/files-api/files/${ticketIds[0]}-ticket.html/content`)
      .expect(200);
    expect(html.text).toContain(ticketIds[0]);
    expect(html.text).toContain('50.00 EUR');

    const listed = await liveTickets(url);
    for (const id of ticketIds) {
      expect(listed).toContainEqual({
        ticket_id: id,
        customer_email: 'ada@example.com',
        price: { amount: '50.00', currency: 'EUR' },
      });
    }

    // A refund asked twice: one void, one refund, one TicketRefunded_v1.
    const refunded = ticketIds[0];
    await request(url).put(`/api/ticket-refund/${refunded}`).expect(202, { ticket_id: refunded });
    await request(url).put(`/api/ticket-refund/${refunded}`).expect(202, { ticket_id: refunded });
    // Both commands handled, and nothing left to redeliver.
    const commands = await env.query<{ id: string }>(
      `SELECT message_id::text AS id FROM outbox WHERE name = 'RefundTicket'
          AND payload::jsonb->>'ticket_id' = $1`,
      [refunded],
    );
    expect(commands).toHaveLength(2);
    await settled(env, { handled: { refund_ticket: commands.map((c) => c.id) } });
    const after = await gatewayView(sim, [refunded]);
    expect(after.voids).toEqual(once([refunded]));
    expect(after.refunds).toEqual(once([refunded]));
    const refundCalls = await rawCalls(sim);
    const voidKey = (id: string) => refundKeys(id).voidReceipt;
    const refundKey = (id: string) => refundKeys(id).refund;
    expect(callsPer(refundCalls, ENDPOINTS.voidReceipt, [refunded], { keyOf: voidKey })).toEqual(
      once([refunded]),
    );
    expect(callsPer(refundCalls, ENDPOINTS.refund, [refunded], { keyOf: refundKey })).toEqual(
      once([refunded]),
    );
    expect(await storedEvents(env, 'TicketRefunded_v1', [refunded])).toBe(1);
  });

  it('a cancellation from Dead Nation: the ticket leaves the list and lands on tickets-to-refund once', async () => {
    const show_id = await createShow(url, { number_of_tickets: 5 });
    const { booking_id } = (
      await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 2, customer_email: 'bob@example.com' })
        .expect(201)
    ).body;
    const booking = await eventually(() => sim.state.bookings.get(booking_id));
    const [canceled, kept] = booking.ticket_ids;
    await eventually(
      async () =>
        (await liveTickets(url)).filter((t) => booking.ticket_ids.includes(t.ticket_id)).length ===
        2,
    );
    await request(sim.url)
      .post('/_sim/dead-nation/cancel')
      .send({ ticket_ids: [canceled] })
      .expect(202);
    await eventually(async () => (await gatewayView(sim, [canceled])).toRefund[canceled] === 1, {
      what: 'refund row',
    });
    await eventually(async () => !(await liveTickets(url)).some((t) => t.ticket_id === canceled));
    expect((await liveTickets(url)).some((t) => t.ticket_id === kept)).toBe(true);
    // The canceled webhook is sent twice: both sends in, then nothing left to redeliver.
    await eventually(
      () =>
        sim.state.webhooks.some(
          (w) =>
            w.kind === 'canceled' &&
            w.body.tickets.some((t) => t.ticket_id === canceled) &&
            w.outcome === 'delivered' &&
            w.delivered === 2,
        ),
      { what: 'the canceled webhook delivered twice' },
    );
    await settled(env);
    expect((await gatewayView(sim, [canceled])).toRefund).toEqual(once([canceled]));
    const refundRow = [`tickets-to-refund/${canceled}`];
    expect(callsPer(await rawCalls(sim), ENDPOINTS.appendRow, refundRow)).toEqual(once(refundRow));
  });

  it('a cancel that arrives before its confirm still cancels, and is listed for refund once', async () => {
    const booking_id = await createBooking(url, { customer_email: 'eve@example.com' });
    const ticket = webhookTicket({ booking_id, customer_email: 'eve@example.com' });
    await postWebhook(url, randomUUID(), [{ ...ticket, status: 'canceled' }]).expect(200);
    // The cancel is applied as a tombstone and acknowledged before its confirm exists.
    await settled(env);
    await postWebhook(url, randomUUID(), [ticket]).expect(200);
    await eventually(
      async () =>
        (
          await env.query('SELECT deleted_at FROM tickets WHERE ticket_id = $1', [ticket.ticket_id])
        )[0]?.deleted_at,
      { what: 'the early cancel applied' },
    );
    await eventually(
      async () => (await gatewayView(sim, [ticket.ticket_id])).toRefund[ticket.ticket_id] === 1,
    );
    await settled(env);
    expect((await gatewayView(sim, [ticket.ticket_id])).toRefund).toEqual(once([ticket.ticket_id]));
    const refundRow = [`tickets-to-refund/${ticket.ticket_id}`];
    expect(callsPer(await rawCalls(sim), ENDPOINTS.appendRow, refundRow)).toEqual(once(refundRow));
    expect((await liveTickets(url)).some((t) => t.ticket_id === ticket.ticket_id)).toBe(false);
  });
});
