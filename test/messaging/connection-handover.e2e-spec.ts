import { INestApplication } from '@nestjs/common';
import { register } from 'prom-client';
import { Effects, ProbeModule } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { TestEnv } from '../support/test-env';
import { expectExactlyOnce, publishProbes, seqs } from './support';

jest.setTimeout(300_000);

/**
 * With every connection slot busy, a handler transaction's COMMIT carries the next waiting
 * message's START TRANSACTION and dedupe record, and the slot passes on with the transaction
 * open; or the next message joins the open transaction in a savepoint and they share one COMMIT
 * (docs/architecture.md). Against the real PostgreSQL: the pool of 6 leaves the consumers
 * two slots, so two groups of 32 in-flight entries each keep them busy.
 */
describe('a connection slot passed on with the next transaction begun', () => {
  const env = new TestEnv({ DB_POOL_SIZE: '6' });
  let app: INestApplication;
  beforeAll(async () => {
    ({ app } = await env.start([ProbeModule]));
  });
  afterAll(() => env.close());

  /** A counter of this process's registry (the app runs in the test's process), summed over labels. */
  const counter = async (name: string) => {
    const metric = register.getSingleMetric(name);
    if (!metric) return 0;
    return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
  };

  it('hands transactions on under load and still handles every message exactly once', async () => {
    const failedBefore = await counter('messages_processing_failed_total');
    const handedBefore = await counter('consumer_transactions_handed_on_total');
    await publishProbes(
      app,
      seqs(400, 1).map((seq) => ({ seq })),
    );
    await expectExactlyOnce(env, 'probe_effect', seqs(400, 1));
    await expectExactlyOnce(env, 'probe_mirror', seqs(400, 1));
    await settled(env);
    // Every message has its dedupe record, none twice, and no attempt failed on the way.
    const [{ n, distinct }] = await env.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (handler, message_id))::int AS distinct
         FROM processed_messages WHERE handler IN ('probe_effect', 'probe_mirror')`,
    );
    expect({ n, distinct }).toEqual({ n: 800, distinct: 800 });
    expect(await counter('messages_processing_failed_total')).toBe(failedBefore);
    // The path this suite is about was taken (each hand-over is one round trip saved).
    expect(await counter('consumer_transactions_handed_on_total')).toBeGreaterThan(handedBefore);
  });

  it('runs waiting messages in savepoints of one shared transaction; one that fails or swallows a database error is undone alone', async () => {
    const failedBefore = await counter('messages_processing_failed_total');
    const joinedBefore = await counter('consumer_transactions_joined_total');
    // Among 300 messages, 30 fail their first attempt and 20 others abort their transaction
    // (a failed statement whose error the handler swallows) in it.
    const probes = seqs(300, 1000).map((seq) => ({
      seq,
      ...(seq % 10 === 0 ? { fail_times: 1 } : {}),
      ...(seq % 15 === 7 ? { swallow_db_error_times: 1 } : {}),
    }));
    await publishProbes(app, probes);
    await expectExactlyOnce(env, 'probe_effect', seqs(300, 1000));
    await expectExactlyOnce(env, 'probe_mirror', seqs(300, 1000));
    await settled(env);
    // Messages joined transactions begun by others, and exactly the 50 steered attempts failed:
    // none of the messages sharing a transaction with them was failed or retried for it.
    expect(await counter('consumer_transactions_joined_total')).toBeGreaterThan(joinedBefore);
    expect((await counter('messages_processing_failed_total')) - failedBefore).toBe(50);
  });

  it('breaks a lock cycle that only shared transactions make: a joined message waiting for a lock is undone and runs alone', async () => {
    const joinedBefore = await counter('consumer_transactions_joined_total');
    const errorsBefore = Effects.lockErrors.length;
    // Each message takes one of three locks and holds it a little: alone, no two of them can
    // deadlock. Sharing a transaction, a message holds the locks of the ones before it, and two
    // shared transactions each waiting for a lock the other holds would be a cycle that
    // PostgreSQL breaks only after deadlock_timeout (1 s), failing one of them.
    const probes = seqs(300, 5000).map((seq) => ({ seq, lock_key: seq % 3, slow_ms: 3 }));
    await publishProbes(app, probes);
    await expectExactlyOnce(env, 'probe_effect', seqs(300, 5000));
    await expectExactlyOnce(env, 'probe_mirror', seqs(300, 5000));
    await settled(env);
    expect(await counter('consumer_transactions_joined_total')).toBeGreaterThan(joinedBefore);
    // A joined message that waits gives up after JOINED_LOCK_TIMEOUT_MS (55P03) and runs again
    // alone: no deadlock (40P01) was ever reported to a handler.
    expect(Effects.lockErrors.slice(errorsBefore).filter((code) => code !== '55P03')).toEqual([]);
  });

  it('leaves no transaction open once at rest: every handed-on connection was committed and released', async () => {
    await settled(env);
    const open = await env.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND state IN ('idle in transaction', 'idle in transaction (aborted)')`,
      [env.dbName],
    );
    expect(open[0].n).toBe(0);
  });
});
