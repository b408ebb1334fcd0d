import request from 'supertest';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { refundKeys } from '../../src/refunds/refund-ticket/refund-keys';
import { callsPer, ENDPOINTS, rawCalls } from '../support/sim-calls';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { createShow, liveTickets } from './support';
import { startJourney } from '../support/journey';

/** Books `seats` through the API; the simulator's Dead Nation confirms them by webhook. */
async function bookAndConfirm(url: string, sim: RunningSimulator, seats: number) {
  const show_id = await createShow(url, { number_of_tickets: seats });
  const { booking_id } = (
    await request(url)
      .post('/api/book-tickets')
      .send({ show_id, number_of_tickets: seats, customer_email: 'ada@example.com' })
      .expect(201)
  ).body;
  const booking = await eventually(() => sim.state.bookings.get(booking_id)?.ticket_ids.length, {
    what: `Dead Nation confirming booking ${booking_id}`,
  });
  expect(booking).toBe(seats);
  return sim.state.bookings.get(booking_id)!.ticket_ids;
}

async function storedCount(env: TestEnv, ticketIds: string[]): Promise<number> {
  const [{ n }] = await env.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM tickets WHERE ticket_id = ANY($1::uuid[])',
    [ticketIds],
  );
  return n;
}

async function refundedEvents(env: TestEnv): Promise<number> {
  const [{ n }] = await env.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE event_name = 'TicketRefunded_v1'`,
  );
  return n;
}

async function handledRefundCommands(env: TestEnv): Promise<number> {
  const [{ n }] = await env.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM processed_messages WHERE handler = 'refund_ticket'`,
  );
  return n;
}

/** Payments calls the simulator has received and not answered yet (held by its latency). */
async function paymentsInFlight(sim: RunningSimulator): Promise<number> {
  const { body } = await request(sim.url).get('/_sim/requests?service=payments').expect(200);
  return (body as { status: number | null }[]).filter((r) => r.status === null).length;
}

describe('refunds (spec §2, §9)', () => {
  describe('a refunded ticket', () => {
    const env = new TestEnv();
    let sim: RunningSimulator;
    let url: string;

    beforeAll(async () => {
      ({ sim, url } = await startJourney(env, { webhook: { delay_ms: 10 } }));
      sim.configure({ webhook: { app_url: url } });
    });
    afterAll(async () => {
      await sim.close();
      await env.close();
    });

    it('leaves GET /api/tickets once refunded; its neighbour stays', async () => {
      const [refunded, kept] = await bookAndConfirm(url, sim, 2);
      await eventually(async () => (await storedCount(env, [refunded, kept])) === 2);
      await request(url).put(`/api/ticket-refund/${refunded}`).expect(202);
      await eventually(async () => (await refundedEvents(env)) === 1, {
        what: 'TicketRefunded_v1',
      });
      const listed = (await liveTickets(url)).map((t) => t.ticket_id);
      expect(listed).toContain(kept);
      expect(listed).not.toContain(refunded);
    });
  });

  describe('a ticket refunded on two requests at once', () => {
    const env = new TestEnv();
    let sim: RunningSimulator;
    let url: string;

    beforeAll(async () => {
      ({ sim, url } = await startJourney(env, { webhook: { delay_ms: 10 } }));
      sim.configure({ webhook: { app_url: url } });
    });
    afterAll(async () => {
      await sim.close();
      await env.close();
    });

    it('calls out once, moves the money once and emits TicketRefunded_v1 once', async () => {
      const [ticket] = await bookAndConfirm(url, sim, 1);
      await eventually(async () => (await storedCount(env, [ticket])) === 1);
      // Payments holds the first request's call while the second is handled: no row lock
      // serialises them any more, the first one's claim on the ticket does.
      sim.configure({ faults: { payments: { latency_ms: 3000 } } });
      await request(url).put(`/api/ticket-refund/${ticket}`).expect(202);
      await request(url).put(`/api/ticket-refund/${ticket}`).expect(202);
      await eventually(async () => (await handledRefundCommands(env)) === 2, {
        what: 'both RefundTicket commands handled',
      });
      await eventually(async () => (await refundedEvents(env)) === 1, {
        what: 'TicketRefunded_v1',
      });
      await settled(env); // nothing left to deliver: a second call could not still be coming
      const calls = await rawCalls(sim);
      const keys = refundKeys(ticket);
      expect(
        callsPer(calls, ENDPOINTS.voidReceipt, [ticket], { keyOf: () => keys.voidReceipt }),
      ).toEqual({ [ticket]: 1 });
      expect(callsPer(calls, ENDPOINTS.refund, [ticket], { keyOf: () => keys.refund })).toEqual({
        [ticket]: 1,
      });
      await eventually(async () => (await handledRefundCommands(env)) === 2);
      expect(await refundedEvents(env)).toBe(1);
      expect((await liveTickets(url)).map((t) => t.ticket_id)).not.toContain(ticket);
    });
  });

  /**
   * Payments slowed far beyond the test, and more refunds in flight than the pool has handler
   * slots (DB_POOL_SIZE 6 − 4 = 2): a refund waiting on Payments holds no connection, so tickets
   * confirmed meanwhile are still stored, while no refund has completed.
   */
  describe('a slow Payments service', () => {
    const env = new TestEnv({ DB_POOL_SIZE: '6', MAX_DELIVERIES: '100' });
    let sim: RunningSimulator;
    let url: string;

    beforeAll(async () => {
      sim = await startSimulator({ webhook: { delay_ms: 10 } });
      ({ url } = await env.start(featureModules, {
        GATEWAY_URL: sim.url,
        GATEWAY_TIMEOUT_MS: '600000',
        GATEWAY_RETRIES: '0',
      }));
      sim.configure({ webhook: { app_url: url } });
    });
    afterAll(async () => {
      await sim.close(); // cancels the held Payments calls
      await env.close();
    });

    it('does not keep store_ticket from storing new tickets', async () => {
      const first = await bookAndConfirm(url, sim, 4);
      await eventually(async () => (await storedCount(env, first)) === 4);
      sim.configure({ faults: { payments: { latency_ms: 600_000 } } });

      for (const id of first) await request(url).put(`/api/ticket-refund/${id}`).expect(202);
      // refunds are now waiting on Payments, as many as there are handler slots at least
      await eventually(async () => (await paymentsInFlight(sim)) >= 2, {
        what: 'refunds waiting on Payments',
      });

      const later = await bookAndConfirm(url, sim, 2);
      await eventually(async () => (await storedCount(env, later)) === 2, {
        what: 'store_ticket storing the tickets confirmed while the refunds wait',
      });
      // ...and still no refund has completed: all four were in flight, more than the slots
      expect(await paymentsInFlight(sim)).toBe(4);
      expect(await refundedEvents(env)).toBe(0);
    });
  });
});
