import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { groupSettled } from '../messaging/support';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { createShow } from './support';
import { startJourney } from '../support/journey';

const SHEET = 'tickets-to-print';

/**
 * Spreadsheets has no idempotency field, so the ledger (spreadsheet_rows) makes each row appear
 * once (spec §4). Two runs for one (sheet, ticket) at once, e.g. a relay that published the
 * confirmation twice, must not both read the sheet back, find no row and append.
 */
describe('the spreadsheet ledger under concurrency', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });
  afterEach(() => sim.configure({ faults: { spreadsheets: { latency_ms: 0 } } }));

  /** A booking of one seat, its read-model document made (so its tickets' updates apply). */
  async function bookOneSeat(): Promise<string> {
    const show_id = await createShow(url);
    const { booking_id } = (
      await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 1, customer_email: 'ada@example.com' })
        .expect(201)
    ).body;
    await settled(env);
    await groupSettled(env, 'events.BookingMade_v1', 'tickets.ops_booking_made');
    return booking_id;
  }

  /**
   * The confirmation of a ticket, its stream entry added `times` at once: a relay may publish an
   * outbox row more than once (spec §3), and the copies are handled concurrently.
   */
  async function confirm(booking_id: string, ticket_id: string, times: number): Promise<void> {
    const id = randomUUID();
    const payload = JSON.stringify({
      header: { id, published_at: new Date().toISOString(), idempotency_key: id },
      ticket_id,
      booking_id,
      customer_email: 'ada@example.com',
      price: { amount: '50.00', currency: 'EUR' },
    });
    const fields = ['name', 'TicketBookingConfirmed_v1', 'payload', payload, 'message_id', id];
    const pipeline = env.redisClient.pipeline();
    for (let i = 0; i < times; i++) {
      pipeline.xadd(env.key('events.TicketBookingConfirmed_v1'), '*', ...fields);
    }
    await pipeline.exec();
  }

  /** Every row of the sheet, not a deduplicated view. */
  const sheetRows = async () =>
    (await request(sim.url).get(`/spreadsheets-api/sheets/${SHEET}/rows`).expect(200)).body
      .rows as string[][];
  const ledger = async (ticketId: string) =>
    (
      await env.query('SELECT * FROM spreadsheet_rows WHERE sheet = $1 AND ticket_id = $2', [
        SHEET,
        ticketId,
      ])
    )[0];
  const deadLetters = () => env.redisClient.xrange(env.key('dead-letters'), '-', '+');
  async function done(ticketId: string) {
    await eventually(async () => (await ledger(ticketId))?.appended_at, {
      what: 'the row marked appended',
    });
    await groupSettled(env, 'events.TicketBookingConfirmed_v1', 'tickets.print_list');
  }

  it('two runs at once after a run that crashed before its append, against a slow sheet: exactly one row', async () => {
    const booking = await bookOneSeat();
    sim.configure({ faults: { spreadsheets: { latency_ms: 800 } } });
    const before = (await sheetRows()).length;
    const ticket = randomUUID();
    // An earlier run recorded its intent and died before appending; its lease ran out. So both
    // runs below find the record unfinished and must read the sheet back, which takes 800 ms.
    await env.query(
      `INSERT INTO spreadsheet_rows (sheet, ticket_id, lease_owner, lease_until)
       VALUES ($1, $2, $3, now() - interval '1 second')`,
      [SHEET, ticket, randomUUID()],
    );
    await confirm(booking, ticket, 2);
    await done(ticket);

    const rows = await sheetRows();
    expect(rows).toHaveLength(before + 1);
    expect(rows.filter((r) => r[0] === ticket)).toHaveLength(1);
    expect(await ledger(ticket)).toMatchObject({ lease_owner: null, lease_until: null });
    expect(await deadLetters()).toEqual([]);
  });

  it("a crashed run's lease expires: the next run waits for it, then appends once", async () => {
    const booking = await bookOneSeat();
    const before = (await sheetRows()).length;
    const ticket = randomUUID();
    // Longer than the whole delivery budget of the test settings (10 deliveries, retries within
    // 100 ms): only a wait that spends no delivery reaches the end of the lease.
    const leaseUntil = new Date(Date.now() + 3000);
    await env.query(
      `INSERT INTO spreadsheet_rows (sheet, ticket_id, lease_owner, lease_until)
       VALUES ($1, $2, $3, $4)`,
      [SHEET, ticket, randomUUID(), leaseUntil],
    );
    await confirm(booking, ticket, 1);
    await done(ticket);

    const rows = await sheetRows();
    expect(rows).toHaveLength(before + 1);
    expect(rows.filter((r) => r[0] === ticket)).toHaveLength(1);
    const appends = sim.state.requests.filter(
      (r) => r.service === 'spreadsheets' && r.method === 'POST' && r.status === 200,
    );
    expect(new Date(appends[appends.length - 1].at).getTime()).toBeGreaterThanOrEqual(
      leaseUntil.getTime(),
    );
    expect(await deadLetters()).toEqual([]);
  });
});
