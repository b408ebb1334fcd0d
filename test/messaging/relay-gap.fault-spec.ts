import { INestApplication } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ProbeModule, Probe_v1 } from '../fixtures/probe.module';
import { eventually, TestEnv } from '../support/test-env';
import { seqs } from './support';

const WRITERS = 50;
const PER_WRITER = 100;

/**
 * R4 (the relay cursor against writers committing out of order): checked where the property
 * lives, the stream. Every committed outbox row is in it exactly once, and each writer's rows in
 * the order that writer committed them. The process is a relay only: consumer groups would spend
 * the two cores on 25,000 handler runs (5 groups × 5,000) that say nothing about the relay;
 * exactly-once handling at volume is R5's (3,000, crash.fault-spec.ts) and R12's (1,000).
 */
describe('R4: the relay skips no row committed out of order', () => {
  // 50 writers share 20 connections: 20 transactions in flight commit out of order as well as
  // 40 did, and PostgreSQL's 100 are shared by this suite's two workers, a bench and other runs.
  const env = new TestEnv({ DB_POOL_SIZE: '20', ROLES: 'relay' });
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await env.start([ProbeModule])); // relay role only: no consumer groups
  });
  afterAll(() => env.close());

  it('50 concurrent writers with random delays before COMMIT: none of 5,000 events skipped or doubled, order per writer kept', async () => {
    const txHost = app.get<TransactionHost<TransactionalAdapterTypeOrm>>(TransactionHost);
    const bus = app.get(EventBus);
    const writers = seqs(WRITERS).map(async (w) => {
      for (let i = 0; i < PER_WRITER; i++) {
        await txHost.withTransaction(async () => {
          await bus.publish(new Probe_v1({ seq: 10_000 + w * PER_WRITER + i }));
          await txHost.tx.query('SELECT pg_sleep($1)', [Math.random() * 0.01]);
        });
      }
    });
    await Promise.all(writers);
    await eventually(
      async () =>
        (
          await env.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
          )
        )[0].n === 0,
      { timeoutMs: 90_000, what: 'every outbox row published' },
    );

    const committed = await env.query<{ id: string }>(
      `SELECT message_id::text AS id FROM outbox WHERE name = 'Probe_v1'`,
    );
    expect(committed).toHaveLength(WRITERS * PER_WRITER);
    const entries = (await env.redisClient.xrange(env.key('events.Probe_v1'), '-', '+')) as [
      string,
      string[],
    ][];
    const streamed = entries.map(([, f]) => ({
      id: f[f.indexOf('message_id') + 1],
      seq: (JSON.parse(f[f.indexOf('payload') + 1]) as Probe_v1).seq,
    }));
    // Set(published) == Set(committed), and nothing twice.
    expect(streamed.map((s) => s.id).sort()).toEqual(committed.map((c) => c.id).sort());
    // A writer commits its next row only after the last one: the stream keeps that order.
    const outOfOrder = seqs(WRITERS).filter((w) => {
      const mine = streamed
        .map((s) => s.seq)
        .filter((seq) => Math.floor((seq - 10_000) / PER_WRITER) === w);
      return mine.some((seq, i) => i > 0 && seq < mine[i - 1]);
    });
    expect(outOfOrder).toEqual([]);
    // 5,000 transactions one after another per writer took longer than jest's 120 s default at
    // load 29; the wait for the relay has its own deadline.
  }, 300_000);
});
