import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ProbeModule } from '../fixtures/probe.module';
import { eventually, TestEnv } from '../support/test-env';
import { settled } from '../support/settled';
import { effects, expectExactlyOnce, publishProbes, seqs } from './support';

/**
 * R10 in miniature: PostgreSQL drops every connection of the app, again and again, while
 * messages are handled. Lost connections are not the messages' fault: with only 2 deliveries
 * allowed, nothing may be dead-lettered, and every effect still happens exactly once.
 */
describe('PostgreSQL connections lost under load', () => {
  const env = new TestEnv({ MAX_DELIVERIES: '2' });
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await env.start([ProbeModule]));
  });
  afterAll(() => env.close());

  it('reconnects by itself, dead-letters nothing and applies every effect once', async () => {
    const all = seqs(400);
    // Slow enough in their transactions that kills land while handlers hold them.
    await publishProbes(
      app,
      all.map((seq) => ({ seq, slow_ms: 50 })),
    );
    // Every round kills every connection of the app; those caught between a handler's effect
    // and its commit (idle in transaction after the INSERT) show a kill landed mid-handling.
    let killedMidHandling = 0;
    let killed = 0;
    while (killedMidHandling < 5 && (await effects(env, 'probe_effect')).size < all.length) {
      const rows = await env.query<{ ok: boolean; mid: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok,
                state = 'idle in transaction' AND query ILIKE 'INSERT INTO probe_effects%' AS mid
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [env.dbName],
      );
      killed += rows.filter((r) => r.ok).length;
      killedMidHandling += rows.filter((r) => r.ok && r.mid).length;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(killedMidHandling).toBeGreaterThan(0);
    expect(killed).toBeGreaterThan(killedMidHandling);

    await settled(env, { timeoutMs: 120_000 });
    await expectExactlyOnce(env, 'probe_effect', all);
    await expectExactlyOnce(env, 'probe_batch', all);
    await expectExactlyOnce(env, 'probe_mirror', all);
    const letters = (await env.redisClient.xrange(env.key('dead-letters'), '-', '+')) as [
      string,
      string[],
    ][];
    expect(
      letters.map(
        ([, f]) => `${f[f.indexOf('dlq_handler') + 1]}: ${f[f.indexOf('dlq_error') + 1]}`,
      ),
    ).toEqual([]);
    await eventually(async () => (await request(url).get('/health')).status === 200);
    // Its own deadlines (the kill rounds, then settled's 120 s) outlast jest's 120 s default,
    // which once cut it off on the loaded machine before they could say what was slow.
  }, 300_000);
});
