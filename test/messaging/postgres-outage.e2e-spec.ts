import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ProbeModule } from '../fixtures/probe.module';
import { eventually, TestEnv } from '../support/test-env';
import { expectExactlyOnce, groupSettled, publishProbes, seqs } from './support';

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
    await publishProbes(
      app,
      all.map((seq) => ({ seq, slow_ms: 5 })),
    );
    let killed = 0;
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      const rows = await env.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [env.dbName],
      );
      killed += rows.filter((r) => r.ok).length;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(killed).toBeGreaterThan(10);

    await expectExactlyOnce(env, 'probe_effect', all, 60_000);
    await expectExactlyOnce(env, 'probe_batch', all, 60_000);
    for (const h of ['probe_effect', 'probe_mirror', 'probe_batch', 'probe_saga']) {
      await groupSettled(env, 'events.Probe_v1', `tickets.${h}`);
    }
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
  });
});
