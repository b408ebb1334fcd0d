import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ClsServiceManager } from 'nestjs-cls';
import { APP_CONFIG } from '../../src/platform/config/app.config';
import {
  DeadNationClient,
  FilesClient,
  GatewayError,
  GatewayHttp,
  GatewayModule,
  PaymentsClient,
  ReceiptsClient,
  SpreadsheetsClient,
  TransportationClient,
} from '../../src/gateway';
import { CORRELATION_ID } from '../../src/platform/context/request-context';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { TestEnv } from '../support/test-env';
import { http } from './support';

/** The six clients against the simulator over real HTTP. */
describe('gateway clients', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let deadNation: DeadNationClient;
  let receipts: ReceiptsClient;
  let payments: PaymentsClient;
  let files: FilesClient;
  let sheets: SpreadsheetsClient;
  let transportation: TransportationClient;
  const retries = 3;
  /**
   * Every answered call must come back within it, on a machine whose two cores a bench and
   * other suites share (300 ms timed out answered calls at load 20); a held call (the
   * simulator's timeout fault, held 30 s) always outlasts it.
   */
  const timeoutMs = 2000;

  const calls = async (service: string) =>
    (await http.get(`${sim.url}/_sim/requests`, { params: { service } })).data as Array<{
      method: string;
      status: number | null;
      fault: string | null;
      correlation_id: string | null;
      traceparent: string | null;
    }>;
  const receiptOf = (ticketId = randomUUID(), key = randomUUID()) => ({
    ticket_id: ticketId,
    price: { money_amount: '50.00', money_currency: 'EUR' },
    idempotency_key: key,
  });

  beforeAll(async () => {
    // The webhook is the simulator suite's subject; here it would only post into the void.
    sim = await startSimulator({ webhook: { enabled: false } });
    const moduleRef = await Test.createTestingModule({
      imports: [
        // As in the app: the configuration is global, the clients read it from there.
        {
          module: class TestConfig {},
          global: true,
          providers: [
            {
              provide: APP_CONFIG,
              useValue: {
                ...env.config({ GATEWAY_URL: sim.url }),
                gateway: { timeoutMs, retries, retryBaseMs: 10, retryMaxMs: 40 },
              },
            },
          ],
          exports: [APP_CONFIG],
        },
        GatewayModule,
      ],
    }).compile();
    [deadNation, receipts, payments, files, sheets, transportation] = [
      moduleRef.get(DeadNationClient),
      moduleRef.get(ReceiptsClient),
      moduleRef.get(PaymentsClient),
      moduleRef.get(FilesClient),
      moduleRef.get(SpreadsheetsClient),
      moduleRef.get(TransportationClient),
    ];
  });

  beforeEach(async () => {
    await http.post(`${sim.url}/_sim/reset`);
  });

  afterAll(async () => {
    await sim?.close();
    await env.close();
  });

  describe('happy paths and idempotency', () => {
    it('books at Dead Nation; a repeated booking_id is the same booking', async () => {
      const booking = {
        booking_id: randomUUID(),
        event_id: randomUUID(),
        number_of_tickets: 2,
        customer_address: 'ann@example.com',
      };
      await deadNation.bookTickets(booking);
      await deadNation.bookTickets(booking);

      const { data } = await http.get(`${sim.url}/dead-nation-api/bookings`);
      expect(data).toEqual([expect.objectContaining(booking)]);
      const posts = (await calls('dead-nation')).filter((c) => c.method === 'POST');
      expect(posts.map((c) => c.status)).toEqual([200, 200]);
    });

    it('issues a receipt once per idempotency key and answers the first receipt again', async () => {
      const request = receiptOf();
      const first = await receipts.issueReceipt(request);
      const again = await receipts.issueReceipt(request);
      const other = await receipts.issueReceipt({ ...request, idempotency_key: randomUUID() });

      expect(first.number).toEqual(expect.any(String));
      expect(new Date(first.issued_at).toISOString()).toBe(first.issued_at);
      expect(again).toEqual(first);
      expect(other.number).not.toBe(first.number);
      expect((await calls('receipts')).map((c) => c.status)).toEqual([201, 200, 201]);
      const { data } = await http.get(`${sim.url}/receipts-api/receipts`);
      expect(data).toHaveLength(2);
      expect(data[0]).toMatchObject({ ...request, number: first.number, voided: false });
    });

    it('voids a receipt, once per idempotent_id', async () => {
      const ticketId = randomUUID();
      await receipts.issueReceipt(receiptOf(ticketId));
      const voiding = { ticket_id: ticketId, reason: 'refund', idempotent_id: `void-${ticketId}` };
      await receipts.voidReceipt(voiding);
      await receipts.voidReceipt(voiding);

      const { data: all } = await http.get(`${sim.url}/receipts-api/receipts`);
      expect(all).toEqual([
        expect.objectContaining({ ticket_id: ticketId, voided: true, void_reason: 'refund' }),
      ]);
      const { data: voids } = await http.get(`${sim.url}/receipts-api/void-receipts`);
      expect(voids).toEqual([expect.objectContaining(voiding)]);
    });

    it('refunds once per deduplication_id', async () => {
      const ticketId = randomUUID();
      const refund = {
        payment_reference: ticketId,
        reason: 'refund',
        deduplication_id: `refund-${ticketId}`,
      };
      await payments.refund(refund);
      await payments.refund(refund);
      await payments.refund({ ...refund, deduplication_id: randomUUID() });

      const { data } = await http.get(`${sim.url}/payments-api/refunds`);
      expect(data).toEqual([
        expect.objectContaining(refund),
        expect.objectContaining({ payment_reference: ticketId }),
      ]);
    });

    it('uploads a file once: the second upload is "exists" (409) and keeps the first content', async () => {
      const fileId = `${randomUUID()}-ticket.html`;
      expect(await files.upload(fileId, '<p>first</p>')).toBe('created');
      expect(await files.upload(fileId, '<p>second</p>')).toBe('exists');

      expect((await calls('files')).map((c) => c.status)).toEqual([201, 409]);
      expect((await http.get(`${sim.url}/files-api/files`)).data).toEqual({ files: [fileId] });
      const content = await http.get(`${sim.url}/files-api/files/${fileId}/content`);
      expect(content.headers['content-type']).toMatch(/^text\/plain/);
      expect(content.data).toBe('<p>first</p>');
    });

    it('appends rows to a sheet and reads them back', async () => {
      await sheets.appendRow('tickets-to-print', ['t1', 'ann@example.com', '50.00', 'EUR']);
      await sheets.appendRow('tickets-to-print', ['t2', 'bob@example.com', '20.00', 'USD']);

      expect(await sheets.readRows('tickets-to-print')).toEqual([
        ['t1', 'ann@example.com', '50.00', 'EUR'],
        ['t2', 'bob@example.com', '20.00', 'USD'],
      ]);
      expect(await sheets.readRows('tickets-to-refund')).toEqual([]);
    });
  });

  describe('Transportation', () => {
    const flight = (flight_id = randomUUID()) => ({
      customer_email: 'ann@example.com',
      flight_id,
      passenger_names: ['Ann', 'Bob'],
      reference_id: randomUUID(),
      idempotency_key: randomUUID(),
    });
    const taxi = () => ({
      customer_email: 'ann@example.com',
      number_of_passengers: 2,
      passenger_name: 'Ann',
      reference_id: randomUUID(),
      idempotency_key: randomUUID(),
    });
    const flightTickets = async () =>
      (await http.get(`${sim.url}/transportation-api/flight-tickets`)).data as Array<{
        ticket_id: string;
        canceled_at: string | null;
      }>;

    it('books a flight once per idempotency key and cancels its tickets', async () => {
      const request = flight();
      const first = await transportation.bookFlight(request);
      const again = await transportation.bookFlight(request);
      expect(first).toEqual({ booked: true, ticket_ids: [expect.any(String), expect.any(String)] });
      expect(again).toEqual(first);
      const ids = first.booked ? first.ticket_ids : [];
      expect((await flightTickets()).map((t) => t.ticket_id)).toEqual(ids);

      expect(await transportation.cancelFlightTicket(ids[0])).toBe('canceled');
      expect(await transportation.cancelFlightTicket(ids[0])).toBe('canceled');
      expect(await transportation.cancelFlightTicket(randomUUID())).toBe('unknown');
      expect((await flightTickets()).map((t) => t.canceled_at !== null)).toEqual([true, false]);
    });

    it('answers a sold-out flight (409) as not booked, with the reason', async () => {
      const request = flight();
      sim.configure({ transportation: { sold_out_flight_ids: [request.flight_id] } });
      expect(await transportation.bookFlight(request)).toEqual({
        booked: false,
        reason: `flight ${request.flight_id} has 0 seats left, 2 asked`,
      });
      expect(await flightTickets()).toEqual([]);
    });

    it('books a taxi once per key, answers no taxi (409) as not booked, and cancels', async () => {
      const request = taxi();
      const first = await transportation.bookTaxi(request);
      expect(first).toEqual({ booked: true, booking_id: expect.any(String) });
      expect(await transportation.bookTaxi(request)).toEqual(first);

      sim.configure({ transportation: { taxis_available: false } });
      expect(await transportation.bookTaxi(taxi())).toEqual({
        booked: false,
        reason: 'no taxi available',
      });
      const bookingId = first.booked ? first.booking_id : '';
      expect(await transportation.cancelTaxiBooking(bookingId)).toBe('canceled');
      expect(await transportation.cancelTaxiBooking(randomUUID())).toBe('unknown');
      const { data } = await http.get(`${sim.url}/transportation-api/taxi-bookings`);
      expect(data).toEqual([
        expect.objectContaining({ booking_id: bookingId, canceled_at: expect.any(String) }),
      ]);
    });

    it('retries a booking whose answer was lost into the same tickets (idempotency key)', async () => {
      sim.configure({ faults: { transportation: { timeout_next: 1, after_effect: true } } });
      const booking = await transportation.bookFlight(flight());

      expect((await calls('transportation')).map((c) => c.status)).toEqual([null, 201]);
      expect((await flightTickets()).map((t) => t.ticket_id)).toEqual(
        booking.booked ? booking.ticket_ids : ['not booked'],
      );
    });

    it('gives up on a failing Transportation with a transient error naming the call', async () => {
      sim.configure({ faults: { transportation: { fail_next: 100 } } });
      const error: GatewayError = await transportation.bookTaxi(taxi()).catch((e) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.message).toBe(
        `Transportation bookTaxi: 500 simulated failure of transportation (after ${retries + 1} attempts)`,
      );
      expect(error.transient).toBe(true);
    });

    it('surfaces a 400 at once, naming the field', async () => {
      const error: GatewayError = await transportation
        .bookFlight({ ...flight(), passenger_names: [] })
        .catch((e) => e);
      expect(error.message).toBe(
        'Transportation bookFlight: 400 passenger_names must not be empty',
      );
      expect(error).toMatchObject({ transient: false, refused: true });
      expect(await calls('transportation')).toHaveLength(1);
    });
  });

  describe('correlation and trace context', () => {
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterAll(() => {
      context.disable();
      propagation.disable();
    });

    it('sends the Correlation-ID and traceparent of the caller on every attempt', async () => {
      const traceId = randomUUID().replace(/-/g, '');
      const spanContext = { traceId, spanId: 'a1b2c3d4e5f60718', traceFlags: TraceFlags.SAMPLED };
      const cls = ClsServiceManager.getClsService();
      sim.configure({ faults: { payments: { fail_next: 1 } } });

      await cls.run(() => {
        cls.set(CORRELATION_ID, 'corr-clients-1');
        return context.with(trace.setSpanContext(context.active(), spanContext), () =>
          payments.refund({
            payment_reference: randomUUID(),
            reason: 'r',
            deduplication_id: randomUUID(),
          }),
        );
      });

      const seen = await calls('payments');
      expect(seen.map((c) => c.status)).toEqual([500, 200]);
      for (const call of seen) {
        expect(call.correlation_id).toBe('corr-clients-1');
        expect(call.traceparent).toBe(`00-${traceId}-a1b2c3d4e5f60718-01`);
      }
    });

    it('sends a Correlation-ID even outside any request', async () => {
      await sheets.appendRow('s', ['x']);
      expect((await calls('spreadsheets'))[0].correlation_id).toEqual(expect.any(String));
    });
  });

  describe('failures', () => {
    it('retries injected 500s until the call succeeds', async () => {
      sim.configure({ faults: { receipts: { fail_next: 2 } } });
      const receipt = await receipts.issueReceipt(receiptOf());

      expect(receipt.number).toEqual(expect.any(String));
      expect((await calls('receipts')).map((c) => [c.status, c.fault])).toEqual([
        [500, 'error'],
        [500, 'error'],
        [201, null],
      ]);
    });

    it('retries a POST too (Dead Nation bookings are idempotent by booking_id)', async () => {
      sim.configure({ faults: { 'dead-nation': { fail_next: 1 } } });
      await deadNation.bookTickets({
        booking_id: randomUUID(),
        event_id: randomUUID(),
        number_of_tickets: 1,
        customer_address: 'ann@example.com',
      });
      expect((await calls('dead-nation')).map((c) => c.status)).toEqual([500, 200]);
    });

    it('gives up after the configured retries with an error naming the call', async () => {
      sim.configure({ faults: { receipts: { fail_next: 100 } } });
      const error: GatewayError = await receipts.issueReceipt(receiptOf()).catch((e) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error.message).toBe(
        `Receipts issueReceipt: 500 simulated failure of receipts (after ${retries + 1} attempts)`,
      );
      expect(error).toMatchObject({ status: 500, transient: true, attempts: retries + 1 });
      expect(await calls('receipts')).toHaveLength(retries + 1);
    });

    it('retries a call that timed out', async () => {
      sim.configure({ faults: { receipts: { timeout_next: 1 } } });
      const started = Date.now();
      const receipt = await receipts.issueReceipt(receiptOf());

      expect(receipt.number).toEqual(expect.any(String));
      expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs); // the first call's timeout
      expect((await calls('receipts')).map((c) => c.fault)).toEqual(['timeout', null]);
    });

    it('a timeout whose call took effect is retried into the same receipt (idempotency key)', async () => {
      sim.configure({ faults: { receipts: { timeout_next: 1, after_effect: true } } });
      const receipt = await receipts.issueReceipt(receiptOf());

      expect((await calls('receipts')).map((c) => c.status)).toEqual([null, 200]);
      const { data } = await http.get(`${sim.url}/receipts-api/receipts`);
      expect(data).toEqual([expect.objectContaining({ number: receipt.number })]);
    });

    it('does not retry a timed-out append (the row may be there): the caller reads back', async () => {
      sim.configure({ faults: { spreadsheets: { timeout_next: 1, after_effect: true } } });
      const error: GatewayError = await sheets
        .appendRow('tickets-to-print', ['t1'])
        .catch((e) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error.message).toBe(`Spreadsheets appendRow: timed out after ${timeoutMs} ms`);
      expect(error.transient).toBe(true);
      expect(await calls('spreadsheets')).toHaveLength(1);
      expect(await sheets.readRows('tickets-to-print')).toEqual([['t1']]);
    });

    it('does not retry an append answered 500 either (it may have been written first)', async () => {
      sim.configure({ faults: { spreadsheets: { fail_next: 1, after_effect: true } } });
      const error: GatewayError = await sheets
        .appendRow('tickets-to-print', ['t1'])
        .catch((e) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.status).toBe(500);
      expect(await calls('spreadsheets')).toHaveLength(1);
      expect(await sheets.readRows('tickets-to-print')).toEqual([['t1']]);
    });

    it('surfaces a 400 at once as an error saying which call failed and why', async () => {
      const error: GatewayError = await receipts
        .issueReceipt({ ...receiptOf(), ticket_id: 'not-a-uuid' })
        .catch((e) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error.message).toBe('Receipts issueReceipt: 400 ticket_id must be a UUID');
      expect(error).toMatchObject({ status: 400, transient: false, call: 'Receipts issueReceipt' });
      expect(await calls('receipts')).toHaveLength(1);
    });

    it('surfaces a 400 from every client', async () => {
      const failures = await Promise.all([
        deadNation
          .bookTickets({
            booking_id: randomUUID(),
            event_id: 'x',
            number_of_tickets: 1,
            customer_address: 'a',
          })
          .catch((e) => e.message),
        receipts
          .voidReceipt({ ticket_id: randomUUID(), reason: '', idempotent_id: 'k' })
          .catch((e) => e.message),
        payments
          .refund({ payment_reference: 't', reason: 'r', deduplication_id: '' })
          .catch((e) => e.message),
        files.upload('empty.html', '').catch((e) => e.message),
        sheets.appendRow('s', []).catch((e) => e.message),
      ]);
      expect(failures).toEqual([
        'DeadNation bookTickets: 400 event_id must be a UUID',
        'Receipts voidReceipt: 400 reason must be a non-empty string',
        'Payments refund: 400 deduplication_id must be a non-empty string',
        'Files upload: 400 body must be the non-empty file content',
        'Spreadsheets appendRow: 400 columns must not be empty',
      ]);
    });

    it('reports an unreachable gateway after retrying it', async () => {
      const client = new ReceiptsClient(
        new GatewayHttp({
          baseUrl: 'http://127.0.0.1:1', // privileged and unused: always refused, never raced
          timeoutMs,
          retries: 2,
          retryBaseMs: 5,
          retryMaxMs: 10,
        }),
      );
      const error: GatewayError = await client.issueReceipt(receiptOf()).catch((e) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error.message).toMatch(
        /^Receipts issueReceipt: ECONNREFUSED .* \(after 3 attempts\)$/,
      );
      expect(error.transient).toBe(true);
    });
  });
});
