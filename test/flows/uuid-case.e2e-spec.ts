import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { rawCalls } from '../support/sim-calls';
import { TestEnv } from '../support/test-env';
import { createBooking, postWebhook, webhookTicket } from './support';
import { startJourney } from '../support/journey';

/**
 * What the simulated services hold for a ticket, read back over HTTP, counted without regard to
 * letter case: a ticket split in two by its case shows up as two.
 */
async function effectsOf(sim: RunningSimulator, ticketId: string) {
  const id = ticketId.toLowerCase();
  const get = async (path: string) => (await request(sim.url).get(path).expect(200)).body;
  const receipts: { ticket_id: string }[] = await get('/receipts-api/receipts');
  const files: { files: string[] } = await get('/files-api/files');
  const toPrint: { rows: string[][] } = await get('/spreadsheets-api/sheets/tickets-to-print/rows');
  const calls = await rawCalls(sim);
  const mine = (text: string) => text.toLowerCase().includes(id);
  return {
    receipts: receipts.filter((r) => mine(r.ticket_id)).map((r) => r.ticket_id),
    files: files.files.filter(mine),
    printRows: toPrint.rows.filter((r) => mine(r[0])).map((r) => r[0]),
    rowsAppended: calls
      .filter((c) => c.endpoint === 'POST /spreadsheets-api/sheets/:sheet/rows' && mine(c.key))
      .reduce((n, c) => n + c.answered, 0),
  };
}

/** Spec §9: a UUID is the same in any letter case, so one ticket never becomes two. */
describe('UUIDs in any letter case name one thing', () => {
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

  it('one ticket in both cases in one request: one receipt, one file, one print row', async () => {
    const ticket = webhookTicket({ booking_id });
    const upper = { ...ticket, ticket_id: ticket.ticket_id.toUpperCase() };
    await postWebhook(url, randomUUID(), [ticket, upper]).expect(200);
    await settled(env);
    const effects = await effectsOf(sim, ticket.ticket_id);
    expect(effects).toEqual({
      receipts: [ticket.ticket_id],
      files: [`${ticket.ticket_id}-ticket.html`],
      printRows: [ticket.ticket_id],
      rowsAppended: 1,
    });
  });

  it('one ticket lower-case in one request and upper-case in another: one file, one print row, one ticket', async () => {
    const ticket = webhookTicket({ booking_id });
    await postWebhook(url, randomUUID(), [ticket]).expect(200);
    await postWebhook(url, randomUUID(), [
      { ...ticket, ticket_id: ticket.ticket_id.toUpperCase() },
    ]).expect(200);
    await settled(env);
    const effects = await effectsOf(sim, ticket.ticket_id);
    // Two requests under two keys are two confirmations, and Receipts keys its receipts by the
    // event's key (request key + ticket id, spec §2/§4): one receipt per request, both naming
    // the ticket as one.
    expect(effects).toEqual({
      receipts: [ticket.ticket_id, ticket.ticket_id],
      files: [`${ticket.ticket_id}-ticket.html`],
      printRows: [ticket.ticket_id],
      rowsAppended: 1,
    });
    const [doc] = await env.query<{ payload: { tickets: Record<string, unknown> } }>(
      'SELECT payload FROM read_model_ops_bookings WHERE booking_id = $1',
      [booking_id],
    );
    expect(Object.keys(doc.payload.tickets)).toContain(ticket.ticket_id);
    expect(Object.keys(doc.payload.tickets).every((id) => id === id.toLowerCase())).toBe(true);
  });

  it('the same key re-sent in the other case is the same request: answered 200, nothing new', async () => {
    const key = randomUUID();
    const ticket = webhookTicket({ booking_id });
    await postWebhook(url, key, [ticket]).expect(200);
    await postWebhook(url, key, [{ ...ticket, ticket_id: ticket.ticket_id.toUpperCase() }]).expect(
      200,
    );
    await settled(env);
    expect((await effectsOf(sim, ticket.ticket_id)).receipts).toEqual([ticket.ticket_id]);
  });

  it('a booking id in upper case names the booking; the event carries it lower-case', async () => {
    const ticket = webhookTicket({ booking_id: booking_id.toUpperCase() });
    const key = randomUUID();
    await postWebhook(url, key, [ticket]).expect(200);
    const [row] = await env.query(
      `SELECT payload FROM outbox WHERE payload::jsonb->'header'->>'idempotency_key' = $1`,
      [key + ticket.ticket_id],
    );
    expect(JSON.parse(row.payload).booking_id).toBe(booking_id);
  });

  it('path parameters are lower-cased too: a refund and an ops document by an upper-case id', async () => {
    const ticket = webhookTicket({ booking_id });
    await postWebhook(url, randomUUID(), [ticket]).expect(200);
    await settled(env);
    const res = await request(url)
      .put(`/api/ticket-refund/${ticket.ticket_id.toUpperCase()}`)
      .expect(202);
    expect(res.body).toEqual({ ticket_id: ticket.ticket_id });
    const [command] = await env.query(
      `SELECT payload FROM outbox WHERE name = 'RefundTicket' AND payload::jsonb->>'ticket_id' ILIKE $1`,
      [ticket.ticket_id],
    );
    expect(JSON.parse(command.payload).ticket_id).toBe(ticket.ticket_id);
    const doc = await request(url).get(`/api/ops/bookings/${booking_id.toUpperCase()}`).expect(200);
    expect(doc.body.booking_id).toBe(booking_id);
  });
});
