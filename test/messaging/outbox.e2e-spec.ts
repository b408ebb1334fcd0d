import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { EventBus } from '@nestjs/cqrs';
import { TransactionHost } from '@nestjs-cls/transactional';
import request from 'supertest';
import { OutboxWriter } from '../../src/messaging';
import { ProbeModule, Probe_v1 } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { deliverAgain, effects, expectExactlyOnce, publishProbes, seqs } from './support';

/** Every handler of Probe_v1, each with its own consumer group. */
const PROBE_HANDLERS = [
  'probe_effect',
  'probe_mirror',
  'probe_batch',
  'probe_deferred',
  'probe_saga',
];

// Volume tests wait on progress (expectExactlyOnce's stall window), not on speed: the test
// timeout only catches a hang, so it is wide enough for a machine shared with a bench.
jest.setTimeout(600_000);

describe('outbox → relay → consumer groups', () => {
  // R4 (concurrent writers against the relay's cursor) is relay-gap.fault-spec.ts: a relay-only
  // process, without 25,000 handler runs in this one.
  const env = new TestEnv();
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    // What main.ts's instrumentation sets up, so an in-process app carries trace context.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    ({ app, url } = await env.start([ProbeModule]));
  });
  afterAll(async () => {
    await env.close();
    propagation.disable();
    context.disable();
  });

  it('delivers a committed event to every handler once, with name, ids, correlation and trace fields', async () => {
    // Written inside a trace, as a request's handler would be.
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const inTrace = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: 1 });
    const [event] = await context.with(inTrace, () => publishProbes(app, [{ seq: 1 }]));
    const id = event.header.id;
    await settled(env, { handled: Object.fromEntries(PROBE_HANDLERS.map((h) => [h, [id]])) });
    const handled = await env.query<{ handler: string }>(
      'SELECT handler FROM processed_messages WHERE message_id = $1 ORDER BY handler',
      [id],
    );
    expect(handled.map((h) => h.handler)).toEqual([...PROBE_HANDLERS].sort());
    await expectExactlyOnce(env, 'probe_effect', [1]);
    await expectExactlyOnce(env, 'probe_mirror', [1]);
    await expectExactlyOnce(env, 'probe_batch', [1]);
    const entries = (await env.redisClient.xrange(env.key('events.Probe_v1'), '-', '+')) as [
      string,
      string[],
    ][];
    expect(entries).toHaveLength(1);
    const [[, fields]] = entries;
    const entry = Object.fromEntries(
      fields.map((v, i, a) => (i % 2 ? [] : [v, a[i + 1]])).filter((p) => p.length),
    );
    expect(entry.name).toBe('Probe_v1');
    expect(entry.message_id).toBe(id);
    expect(JSON.parse(entry.payload)).toMatchObject({ seq: 1, header: { id } });
    expect(entry.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    const [stored] = await env.query(
      'SELECT event_name, event_payload FROM events WHERE event_id = $1',
      [id],
    );
    expect(stored).toMatchObject({ event_name: 'Probe_v1', event_payload: { seq: 1 } });
  });

  it('R1: a transaction that fails after the outbox insert leaves no row and no message', async () => {
    const before = await env.redisClient.xlen(env.key('events.Probe_v1'));
    const event = new Probe_v1({ seq: 100 });
    await expect(
      app.get(TransactionHost).withTransaction(async () => {
        await app.get(EventBus).publish(event);
        throw new Error('business rule broken after the insert');
      }),
    ).rejects.toThrow('business rule broken');
    expect(
      await env.query('SELECT 1 FROM outbox WHERE message_id = $1', [event.header.id]),
    ).toHaveLength(0);
    expect(
      await env.query('SELECT 1 FROM events WHERE event_id = $1', [event.header.id]),
    ).toHaveLength(0);
    await settled(env); // whatever the relay had, it has published
    expect(await env.redisClient.xlen(env.key('events.Probe_v1'))).toBe(before);
    expect((await effects(env, 'probe_effect')).has(100)).toBe(false);
  });

  describe('changeWith: a change and its messages in one statement', () => {
    // The change here is a plain SELECT gate; bookings.repository.ts uses a guarded UPDATE.
    const change = (rows: string, param: unknown) => ({
      ctes: [['gate', rows] as [string, string]],
      params: [param],
    });
    const written = async (event: Probe_v1) => ({
      outbox: await env.query('SELECT 1 FROM outbox WHERE message_id = $1', [event.header.id]),
      events: await env.query('SELECT 1 FROM events WHERE event_id = $1', [event.header.id]),
    });

    it('writes the messages when the change returns a row, and they are delivered', async () => {
      const event = new Probe_v1({ seq: 70_000 });
      const rows = await app
        .get(OutboxWriter)
        .changeWith<{ ok: number }>(change('SELECT 1 AS ok WHERE $1::boolean', true), [event]);
      expect(rows).toEqual([{ ok: 1 }]);
      expect(await written(event)).toEqual({
        outbox: [{ '?column?': 1 }],
        events: [{ '?column?': 1 }],
      });
      await expectExactlyOnce(env, 'probe_effect', [70_000]);
    });

    it('writes nothing when the change returns no row (a refused booking)', async () => {
      const event = new Probe_v1({ seq: 70_001 });
      const rows = await app
        .get(OutboxWriter)
        .changeWith(change('SELECT 1 AS ok WHERE $1::boolean', false), [event]);
      expect(rows).toEqual([]);
      expect(await written(event)).toEqual({ outbox: [], events: [] });
    });

    it('writes nothing when the statement fails', async () => {
      const event = new Probe_v1({ seq: 70_002 });
      await expect(
        app.get(OutboxWriter).changeWith(change('SELECT 1 / $1::int AS ok', 0), [event]),
      ).rejects.toThrow('division by zero');
      expect(await written(event)).toEqual({ outbox: [], events: [] });
    });

    it('joins an ambient transaction and rolls back with it', async () => {
      const event = new Probe_v1({ seq: 70_003 });
      await expect(
        app.get(TransactionHost).withTransaction(async () => {
          await app
            .get(OutboxWriter)
            .changeWith(change('SELECT 1 AS ok WHERE $1::boolean', true), [event]);
          throw new Error('business rule broken after the statement');
        }),
      ).rejects.toThrow('business rule broken');
      expect(await written(event)).toEqual({ outbox: [], events: [] });
      await settled(env);
      expect((await effects(env, 'probe_effect')).has(70_003)).toBe(false);
    });
  });

  it('R11: every message delivered twice gives the same final state as once', async () => {
    const published = await publishProbes(
      app,
      seqs(200, 20_000).map((seq) => ({ seq })),
    );
    await expectExactlyOnce(env, 'probe_effect', seqs(200, 20_000));
    // Deliver every entry a second time, as a relay retry would.
    await deliverAgain(env, published);
    await settled(env); // every copy through every group: a late duplicate would be seen
    await expectExactlyOnce(env, 'probe_effect', seqs(200, 20_000));
    await expectExactlyOnce(env, 'probe_mirror', seqs(200, 20_000));
    await expectExactlyOnce(env, 'probe_batch', seqs(200, 20_000));
  });

  it('batch handlers: one failing message rolls its batch back, the others are handled one by one', async () => {
    const events = await publishProbes(
      app,
      seqs(300, 50_000).map((seq) => ({ seq, break_batch: seq === 50_150 })),
    );
    await expectExactlyOnce(
      env,
      'probe_batch',
      seqs(300, 50_000).filter((s) => s !== 50_150),
    );
    const broken = events.find((e) => e.seq === 50_150)!;
    // A deadline for progress (its retries and backoffs), as generous as expectExactlyOnce's:
    // the default 20 s ran out at load 29.
    await eventually(
      async () => {
        const letters = (await env.redisClient.xrange(env.key('dead-letters'), '-', '+')) as [
          string,
          string[],
        ][];
        return letters.some(([, f]) => f.includes(broken.header.id) && f.includes('probe_batch'));
      },
      { timeoutMs: 75_000, what: 'the broken message dead-lettered by probe_batch' },
    );
    await settled(env);
    expect((await effects(env, 'probe_batch')).has(50_150)).toBe(false);
  });

  it('deferWrites handlers: what they publish is written once, after them, however often they run', async () => {
    const published = await publishProbes(
      app,
      seqs(50, 60_000).map((seq) => ({ seq, defer_command: true })),
    );
    await expectExactlyOnce(env, 'probe_command', seqs(50, 60_000));
    // Deliver them all again: the handler sees its dedupe record and writes nothing more.
    await deliverAgain(env, published);
    await settled(env);
    const [{ n }] = await env.query(
      `SELECT count(*)::int AS n FROM outbox
        WHERE name = 'ProbeCommand' AND (payload::jsonb ->> 'seq')::int BETWEEN 60000 AND 60049`,
    );
    expect(n).toBe(50);
    await expectExactlyOnce(env, 'probe_command', seqs(50, 60_000));
  });

  it('runs sagas through their own group and sends their commands through the outbox', async () => {
    const [wanted, plain] = await publishProbes(app, [
      { seq: 30_000, to_command: true },
      { seq: 30_001 },
    ]);
    await settled(env, { handled: { probe_saga: [wanted.header.id, plain.header.id] } });
    await expectExactlyOnce(env, 'probe_command', [30_000]);
    // One command, from the probe that asked for one; the other produced nothing.
    const rows = await env.query(
      `SELECT name, destination, (payload::jsonb ->> 'seq')::int AS seq FROM outbox
        WHERE name = 'ProbeCommand' AND (payload::jsonb ->> 'seq')::int IN (30000, 30001)`,
    );
    expect(rows).toEqual([
      { name: 'ProbeCommand', destination: 'commands.ProbeCommand', seq: 30_000 },
    ]);
    expect((await effects(env, 'probe_command')).has(30_001)).toBe(false);
  });

  it('answers /health and exposes the message metrics', async () => {
    const health = await request(url).get('/health').expect(200);
    expect(health.body.info).toMatchObject({
      postgres: { status: 'up' },
      redis: { status: 'up' },
      consumers: { status: 'up' },
      relay: { status: 'up' },
    });
    const metrics = await request(url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /messages_processed_total\{topic="events.Probe_v1",handler="probe_effect"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /messages_processing_duration_seconds_bucket\{le="0.005",topic="events.Probe_v1",handler="probe_effect"\}/,
    );
    expect(metrics.text).toMatch(/outbox_backlog \d+/);
    expect(metrics.text).toMatch(/outbox_oldest_unpublished_age_seconds \d/);
    expect(metrics.text).toMatch(
      /consumer_group_pending\{topic="events.Probe_v1",group="tickets.probe_effect"\} \d+/,
    );
    expect(metrics.text).toMatch(/dead_letters \d+/);
  });

  it('carries the request Correlation-ID into the messages it causes', async () => {
    const res = await request(url)
      .post('/api/probe')
      .set('Correlation-ID', 'corr-123')
      .send({ seq: 40_000 });
    expect(res.headers['correlation-id']).toBe('corr-123');
    const [row] = await env.query('SELECT correlation_id FROM outbox WHERE message_id = $1', [
      res.body.message_ids[0],
    ]);
    expect(row.correlation_id).toBe('corr-123');
    await expectExactlyOnce(env, 'probe_effect', [40_000]);
    const entries = (await env.redisClient.xrange(env.key('events.Probe_v1'), '-', '+')) as [
      string,
      string[],
    ][];
    const entry = entries.map(([, f]) => f).find((f) => f.includes(res.body.message_ids[0]))!;
    expect(entry[entry.indexOf('correlation_id') + 1]).toBe('corr-123');
    const generated = await request(url).get('/health');
    expect(generated.headers['correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
