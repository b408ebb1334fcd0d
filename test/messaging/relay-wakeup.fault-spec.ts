import { OutboxWriter } from '../../src/messaging';
import { ProbeModule, Probe_v1 } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { eventually, printed, TestEnv } from '../support/test-env';
import { expectExactlyOnce, expectExactlyOnceWithin, seqs } from './support';

/**
 * With the safety sweep pushed out to ten minutes, only the commit hint can get a row published
 * within a tenth of that: a relay in the same process is woken directly, one in another process
 * by NOTIFY. The deadline is derived from the sweep, not a speed claim.
 */
const SWEEP_MS = 600_000;
const BEFORE_SWEEP = SWEEP_MS / 10;

describe('relay wake-up after a commit', () => {
  const env = new TestEnv({ RELAY_SWEEP_MS: String(SWEEP_MS) });
  afterAll(() => env.close());

  /** Backends of this test's database whose last statement was a LISTEN. */
  const listeners = async () =>
    (
      await env.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN %'`,
        [env.dbName],
      )
    ).length;

  it('wakes a relay in this process and one in another process', async () => {
    const { app } = await env.start([ProbeModule]); // every role, this process's relay included
    await app.get(OutboxWriter).append([new Probe_v1({ seq: 1 })]);
    await expectExactlyOnceWithin(env, 'probe_effect', [1], BEFORE_SWEEP);

    await app.close(); // from now on only the relay of another process can publish
    await eventually(async () => (await listeners()) === 0, { what: 'the closed relay gone' });
    const { app: worker } = await env.start([ProbeModule], { ROLES: 'worker' });
    const relay = env.spawn('test/fixtures/probe-main.js', { ROLES: 'relay' });
    await printed(relay, /listening on/);
    // Its LISTEN is up once PostgreSQL shows it (the worker has no relay, so none of its own).
    await eventually(async () => (await listeners()) === 1, { what: 'the relay LISTENing' });
    for (const seq of seqs(5, 10)) await worker.get(OutboxWriter).append([new Probe_v1({ seq })]);
    await expectExactlyOnceWithin(env, 'probe_effect', seqs(5, 10), BEFORE_SWEEP);
    await settled(env); // then counted once nothing is left to deliver
    await expectExactlyOnce(env, 'probe_effect', [1, ...seqs(5, 10)]);
  });
});
