import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { eventually, exited, ROOT, TestEnv } from '../support/test-env';
import { ExportedSpan, jsonLines, KIND, otlpReceiver, spawnApp, Trace, traceIdOf } from './support';

const TICKETS = 2;

/**
 * Spec §7 and §2: one trace follows a request through the outbox, the relay, Redis and every
 * handler to each external call; the Correlation-ID travels the same way; logs carry both.
 * The compiled app runs as a child process exporting to a collector inside the test.
 */
describe('one trace per journey (OTLP), Correlation-ID, JSON logs', () => {
  const env = new TestEnv();
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let sim: RunningSimulator;
  let app: Awaited<ReturnType<typeof spawnApp>>;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/main.js')))
      throw new Error('dist/src/main.js missing: build first');
    receiver = await otlpReceiver();
    sim = await startSimulator({ webhook: { delay_ms: 10 } });
    app = await spawnApp(env, sim, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
    await receiver.close();
  });

  const spanOf = (t: Trace, what: string, predicate: (s: ExportedSpan) => boolean) => {
    const found = t.find(predicate);
    if (found.length === 0) throw new Error(`no ${what} in trace ${t.traceId}:\n${t.render()}`);
    return found;
  };

  /** Books, then waits until every call the booking causes has reached the simulator. */
  async function book(headers: Record<string, string>) {
    const show_id = await createShow(app.url, { number_of_tickets: 10 });
    sim.state.requests.length = 0;
    const res = await request(app.url)
      .post('/api/book-tickets')
      .set(headers)
      .send({ show_id, number_of_tickets: TICKETS, customer_email: 'ada@example.com' })
      .expect(201);
    const booking_id: string = res.body.booking_id;
    const calls = (service: string) => sim.state.requests.filter((r) => r.service === service);
    await eventually(
      () =>
        calls('dead-nation').length === 1 &&
        calls('receipts').length === TICKETS &&
        calls('files').length === TICKETS &&
        calls('spreadsheets').length === TICKETS,
      { what: 'every call of the booking journey' },
    );
    return { res, booking_id };
  }

  it('a booking: POST /api/book-tickets → relay send → book_at_dead_nation → Dead Nation call, and on through the webhook, in one trace', async () => {
    const { booking_id } = await book({});
    const deadNationCall = sim.state.requests.find((r) => r.service === 'dead-nation')!;
    const traceId = traceIdOf(deadNationCall.traceparent)!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // Waits for the journey's spans: every one checked below (a parent ends after its children
    // and may come in a later export batch), a success after every failed attempt, and then no
    // new span for a while.
    const attemptOf = (s: ExportedSpan) =>
      `${s.name} ${String(s.attributes['tickets.handler'])} ${String(s.attributes['messaging.message.id'])}`;
    const deadNationSpan = deadNationCall.traceparent?.split('-')[2];
    let seen = -1;
    const t = await eventually(
      () => {
        const t = Trace.of(receiver.spans, traceId);
        const receipts = t.find(
          (s) =>
            s.name === 'handle TicketBookingConfirmed_v1' &&
            s.attributes['tickets.handler'] === 'issue_receipt',
        );
        const receiptCalls = t.find(
          (s) =>
            s.kind === KIND.CLIENT &&
            /receipts-api/.test(String(s.attributes['url.full'] ?? s.attributes['http.url'])),
        );
        const succeeded = new Set(t.spans.filter((s) => s.status.code !== 2).map(attemptOf));
        const complete =
          receipts.length >= TICKETS &&
          receiptCalls.length >= TICKETS &&
          t.find((s) => s.spanId === deadNationSpan).length === 1 &&
          t.find((s) => s.kind === KIND.SERVER && s.name === 'POST /api/tickets-status').length >
            0 &&
          t.find((s) => s.kind === KIND.PRODUCER && s.name === 'send events.BookingMade_v1')
            .length > 0 &&
          t.find(
            (s) =>
              s.kind === KIND.CONSUMER &&
              s.name === 'process BookingMade_v1' &&
              String(s.attributes['messaging.consumer.group.name']).endsWith(
                'tickets.book_at_dead_nation',
              ),
          ).length > 0 &&
          t.spans.filter((s) => s.status.code === 2).every((f) => succeeded.has(attemptOf(f)));
        const still = t.spans.length === seen;
        seen = t.spans.length;
        return complete && still ? t : undefined;
      },
      {
        intervalMs: 400,
        what: `the spans of trace ${traceId} (got ${receiver.spans.length} spans)`,
      },
    );
    expect(t.spans.every((s) => s.service === 'tickets')).toBe(true);

    const [server] = spanOf(
      t,
      'POST /api/book-tickets server span',
      (s) => s.kind === KIND.SERVER && s.name === 'POST /api/book-tickets',
    );
    expect(server.parentSpanId).toBeUndefined(); // the client sent no traceparent: the request starts the trace

    // The relay's publish: a PRODUCER span per row, under the request and linked to it.
    const [send] = spanOf(
      t,
      'relay send span',
      (s) => s.kind === KIND.PRODUCER && s.name === 'send events.BookingMade_v1',
    );
    expect(t.descendsFrom(send, server)).toBe(true);
    expect(send.links).toEqual([{ traceId, spanId: send.parentSpanId }]);
    expect(send.attributes['messaging.message.id']).toMatch(/^[0-9a-f-]{36}$/);

    // Each handler's CONSUMER span: parent and link = the context stored with the outbox row.
    const processes = spanOf(
      t,
      'process BookingMade_v1',
      (s) => s.kind === KIND.CONSUMER && s.name === 'process BookingMade_v1',
    );
    const groups = processes.map((s) => String(s.attributes['messaging.consumer.group.name']));
    expect(groups.some((g) => g.endsWith('tickets.book_at_dead_nation'))).toBe(true);
    const process = processes.find((s) =>
      String(s.attributes['messaging.consumer.group.name']).endsWith('tickets.book_at_dead_nation'),
    )!;
    expect(t.descendsFrom(process, server)).toBe(true);
    expect(process.links).toEqual([{ traceId, spanId: process.parentSpanId }]);
    expect(process.parentSpanId).toBe(send.parentSpanId); // both come from the stored context
    expect(process.attributes['messaging.message.id']).toBe(
      send.attributes['messaging.message.id'],
    );

    // The handler's attempt, and the Dead Nation call beneath it.
    const [handle] = spanOf(
      t,
      'handle span',
      (s) => s.name === 'handle BookingMade_v1' && s.parentSpanId === process.spanId,
    );
    expect(handle.attributes['tickets.handler']).toBe('book_at_dead_nation');
    expect(handle.attributes['tickets.outcome']).toBe('ok');
    const [deadNation] = spanOf(
      t,
      'Dead Nation client span',
      (s) => s.kind === KIND.CLIENT && s.spanId === deadNationCall.traceparent!.split('-')[2],
    );
    expect(t.descendsFrom(deadNation, handle)).toBe(true);
    expect(
      deadNation.attributes['http.request.method'] ?? deadNation.attributes['http.method'],
    ).toBe('POST');

    // The simulator's webhook continues the trace: confirmations, their handlers, their calls.
    const [webhook] = spanOf(
      t,
      'webhook server span',
      (s) => s.kind === KIND.SERVER && s.name === 'POST /api/tickets-status',
    );
    // Dead Nation (the simulator) carried the call's context on into its webhook.
    expect(webhook.parentSpanId).toBe(deadNation.spanId);
    const receiptHandlers = spanOf(
      t,
      'issue_receipt attempts',
      (s) =>
        s.name === 'handle TicketBookingConfirmed_v1' &&
        s.attributes['tickets.handler'] === 'issue_receipt',
    );
    expect(receiptHandlers).toHaveLength(TICKETS);
    const receiptCalls = t.find(
      (s) =>
        s.kind === KIND.CLIENT &&
        /receipts-api/.test(String(s.attributes['url.full'] ?? s.attributes['http.url'])),
    );
    expect(receiptCalls).toHaveLength(TICKETS); // the loop below checks something
    for (const call of receiptCalls) {
      expect(receiptHandlers.some((h) => t.descendsFrom(call, h))).toBe(true);
      expect(t.descendsFrom(call, server)).toBe(true);
    }
    // Database and Redis work inside the journey is in it too.
    expect(
      t.find(
        (s) =>
          s.attributes['db.system'] === 'postgresql' ||
          s.attributes['db.system.name'] === 'postgresql',
      ).length,
    ).toBeGreaterThan(0);
    expect(
      t.find(
        (s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis',
      ).length,
    ).toBeGreaterThan(0);
    // Order is not guaranteed (spec §3): a read-model update that overtakes its ticket fails and
    // is retried. So a failed span is allowed only as an attempt of a message that the same
    // handler later handled without error, in this trace.
    const succeeded = new Set(t.spans.filter((s) => s.status.code !== 2).map(attemptOf));
    for (const failed of t.spans.filter((s) => s.status.code === 2)) {
      expect(failed.attributes['messaging.message.id']).toBeDefined();
      expect(succeeded.has(attemptOf(failed))).toBe(true);
    }
    // The consumers' claims and heartbeats belong to no journey.
    expect(t.find((s) => ['xautoclaim', 'xclaim'].includes(s.name))).toEqual([]);
    console.log(`booking ${booking_id}, trace ${traceId}:\n${t.render(/^pg\.query/)}`);
  });

  it('a refund: a client traceparent is continued through PUT /api/ticket-refund → RefundTicket → void and refund calls', async () => {
    const { booking_id } = await book({});
    const tickets = await eventually(async () => {
      const [row] = await env.query<{ ticket_id: string }>(
        'SELECT ticket_id FROM tickets WHERE booking_id = $1 LIMIT 1',
        [booking_id],
      );
      return row;
    });
    sim.state.requests.length = 0;
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const res = await request(app.url)
      .put(`/api/ticket-refund/${tickets.ticket_id}`)
      .set('traceparent', `00-${traceId}-${clientSpan}-01`)
      .set('Correlation-ID', 'refund-journey-1')
      .expect(202);
    expect(res.headers['correlation-id']).toBe('refund-journey-1');

    const calls = await eventually(() => {
      const found = sim.state.requests.filter((r) => /void-receipt|refunds/.test(r.path));
      return found.length === 2 ? found : undefined;
    });
    // Every span checked below: a parent ends after its children and may come in a later
    // export batch (under load 'execute RefundTicket' once came without its 'process' span).
    const callSpans = calls.map((call) => call.traceparent?.split('-')[2]);
    const t = await eventually(
      () => {
        const t = Trace.of(receiver.spans, traceId);
        const has = (kind: number, name: string) =>
          t.find((s) => s.kind === kind && s.name === name).length >= 1;
        const done =
          callSpans.every((id) => t.find((s) => s.spanId === id).length === 1) &&
          has(KIND.SERVER, 'PUT /api/ticket-refund/:ticket_id') &&
          has(KIND.PRODUCER, 'send commands.RefundTicket') &&
          has(KIND.CONSUMER, 'process RefundTicket') &&
          t.find((s) => s.name === 'execute RefundTicket').length >= 1;
        return done ? t : undefined;
      },
      { what: `the spans of trace ${traceId}` },
    );
    const [server] = spanOf(
      t,
      'refund server span',
      (s) => s.kind === KIND.SERVER && s.name === 'PUT /api/ticket-refund/:ticket_id',
    );
    expect(server.parentSpanId).toBe(clientSpan);
    const [send] = spanOf(
      t,
      'send commands.RefundTicket',
      (s) => s.kind === KIND.PRODUCER && s.name === 'send commands.RefundTicket',
    );
    expect(t.descendsFrom(send, server)).toBe(true);
    const [process] = spanOf(
      t,
      'process RefundTicket',
      (s) => s.kind === KIND.CONSUMER && s.name === 'process RefundTicket',
    );
    expect(String(process.attributes['messaging.consumer.group.name'])).toMatch(
      /tickets\.refund_ticket$/,
    );
    expect(t.descendsFrom(process, server)).toBe(true);
    expect(process.links).toEqual([{ traceId, spanId: process.parentSpanId }]);
    const [execute] = spanOf(
      t,
      'execute RefundTicket',
      (s) => s.name === 'execute RefundTicket' && s.parentSpanId === process.spanId,
    );
    expect(execute.attributes['tickets.handler']).toBe('refund_ticket');

    for (const call of calls) {
      expect(call.correlation_id).toBe('refund-journey-1');
      expect(traceIdOf(call.traceparent)).toBe(traceId);
      const [span] = spanOf(
        t,
        `client span of ${call.path}`,
        (s) => s.spanId === call.traceparent!.split('-')[2],
      );
      expect(span.kind).toBe(KIND.CLIENT);
      expect(t.descendsFrom(span, execute)).toBe(true);
    }
    console.log(`refund of ${tickets.ticket_id}, trace ${traceId}:\n${t.render(/^pg\.query/)}`);
  });

  it('the Correlation-ID a client sends comes back and reaches every call the booking causes, and every log line it causes', async () => {
    const correlationId = `journey-${randomBytes(4).toString('hex')}`;
    const { res } = await book({ 'Correlation-ID': correlationId });
    expect(res.headers['correlation-id']).toBe(correlationId);
    const calls = sim.state.requests;
    expect(calls.length).toBe(1 + 3 * TICKETS);
    const traceId = traceIdOf(calls[0].traceparent);
    for (const call of calls) {
      expect({ path: call.path, correlation_id: call.correlation_id }).toEqual({
        path: call.path,
        correlation_id: correlationId,
      });
      expect(traceIdOf(call.traceparent)).toBe(traceId);
    }
    // Without one, the app makes one up and answers with it.
    const plain = await request(app.url).get('/api/tickets').expect(200);
    expect(plain.headers['correlation-id']).toMatch(/^[0-9a-f-]{36}$/);

    // Logs: JSON lines; the request's and each handler's carry its correlation and trace ids.
    const lines = await eventually(
      () => {
        const mine = jsonLines(app.child.output).filter((l) => l.correlation_id === correlationId);
        return mine.filter((l) => l.outcome).length >= 1 + 6 * TICKETS ? mine : undefined;
      },
      { what: 'the log lines of the journey' },
    );
    for (const line of lines) {
      expect(line).toMatchObject({
        trace_id: traceId,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
      expect(typeof line.level).toBe('string');
    }
    const request_ = lines.find((l) => l.req?.url === '/api/book-tickets');
    expect(request_).toMatchObject({
      level: 'info',
      res: { status: 201 },
      msg: 'request completed',
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        handler: 'book_at_dead_nation',
        name: 'BookingMade_v1',
        outcome: 'ok',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        handler: 'issue_receipt',
        name: 'TicketBookingConfirmed_v1',
        outcome: 'ok',
      }),
    );
  });

  it('SIGTERM flushes the last spans and exits 0', async () => {
    // A process whose batch timer would not fire for ten minutes: only the flush at shutdown
    // can export the span of its last request.
    const lazy = await spawnApp(env, sim, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const traceId = randomBytes(16).toString('hex');
    await request(lazy.url)
      .get('/api/tickets')
      .set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`)
      .expect(200);
    const lastRequest = () =>
      Trace.of(receiver.spans, traceId).find(
        (s) => s.kind === KIND.SERVER && s.name === 'GET /api/tickets',
      );
    expect(lastRequest()).toEqual([]); // not exported before the signal
    lazy.child.kill('SIGTERM');
    expect(await exited(lazy.child)).toBe(0);
    expect(lastRequest()).toHaveLength(1);
    expect(
      receiver.posts.filter((p) => p.path !== '/v1/traces' || !/json/.test(p.contentType)),
    ).toEqual([]);
    app.child.kill('SIGTERM');
    expect(await exited(app.child)).toBe(0);
  });
});
