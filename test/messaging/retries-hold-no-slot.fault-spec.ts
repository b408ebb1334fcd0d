import { INestApplication } from '@nestjs/common';
import { ProbeModule } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { effects, expectExactlyOnce, publishProbes, seqs } from './support';

const MAX_DELIVERIES = 50;
const CONCURRENCY = 8;

/**
 * Issue 12: a message waiting for its next retry holds no consumer slot, so messages of the same
 * group that keep failing do not hold back a healthy one. Before, each retry slept in its slot:
 * with 100 failing messages ahead of it and 8 slots, the healthy one could start only once 93 of
 * them had spent all MAX_DELIVERIES and been dead-lettered.
 *
 * No claim on speed: the test checks the order of events. The healthy message must be handled
 * while every failing one is still retrying (attempted fewer than MAX_DELIVERIES times, none
 * dead-lettered), which the old consumer could not do at all. Spending 50 deliveries takes
 * at least 45 waits of RETRY_MAX_MS (the later backoffs all reach the cap): over 90 s, longer
 * than the wait for the healthy message, so the old consumer fails on that wait first.
 */
describe('retries hold no consumer slot', () => {
  const env = new TestEnv({
    MAX_DELIVERIES: String(MAX_DELIVERIES),
    RETRY_INITIAL_MS: '1000',
    RETRY_MAX_MS: '2000',
    CONSUMER_CONCURRENCY: String(CONCURRENCY),
  });
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await env.start([ProbeModule]));
  });
  afterAll(() => env.close());

  it('100 messages of a group that keep failing do not hold back a healthy one of the same group', async () => {
    await env.query(`INSERT INTO probe_switches (name) VALUES ('poison')`);
    const failing = await publishProbes(
      app,
      seqs(100, 1).map((seq) => ({ seq, poison: true })),
    );
    await publishProbes(app, [{ seq: 1000 }]); // after them in the stream

    await expectExactlyOnce(env, 'probe_effect', [1000]);
    const attempts = await env.query<{ n: number }>(
      'SELECT n FROM probe_attempts WHERE message_id = ANY($1::uuid[])',
      [failing.map((e) => e.header.id)],
    );
    // All of them were tried before the healthy one was read (stream order), and none has
    // finished its retries: the healthy message did not wait for a failing one's slot.
    expect(attempts).toHaveLength(100);
    expect(attempts.filter((a) => a.n >= MAX_DELIVERIES)).toEqual([]);
    const letters = await env.redisClient.xlen(env.key('dead-letters'));
    expect(letters).toBe(0);
    const probes = await effects(env, 'probe_effect');
    expect(seqs(100, 1).filter((s) => probes.has(s))).toEqual([]);

    // The waiting ones were kept, not dropped: once the cause is fixed each is handled, once.
    await env.query(`DELETE FROM probe_switches WHERE name = 'poison'`);
    await settled(env); // counted once nothing is left to deliver: a late duplicate would show
    await expectExactlyOnce(env, 'probe_effect', seqs(100, 1));
    expect(await env.redisClient.xlen(env.key('dead-letters'))).toBe(0);
    const counts = await eventually(async () => {
      const rows = await env.query<{ n: number }>(
        'SELECT n FROM probe_attempts WHERE message_id = ANY($1::uuid[])',
        [failing.map((e) => e.header.id)],
      );
      return rows.every((r) => r.n >= 2) ? rows : null;
    });
    expect(counts).toHaveLength(100); // every one came back for at least a second delivery
  });
});
