import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { ProbeModule } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { OwnPostgres } from './own-postgres';
import { expectExactlyOnce, publishProbes, seqs } from './support';

/**
 * Spec §10: a PostgreSQL outage of any length dead-letters nothing. The app's own cluster is
 * stopped for 25 s: with a 100 ms backoff cap that is far more than the 100 uncounted outage
 * retries a message used to get, after which each attempt spent one of its 2 deliveries.
 */
// Volume tests wait on progress (expectExactlyOnce's stall window), not on speed: the test
// timeout only catches a hang, so it is wide enough for a machine shared with a bench.
jest.setTimeout(600_000);

describe('a long PostgreSQL outage', () => {
  const pg = new OwnPostgres();
  const env = new TestEnv({ POSTGRES_URL: pg.url, MAX_DELIVERIES: '2', RETRY_MAX_MS: '100' });
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    await pg.init();
    await pg.start();
    ({ app, url } = await env.start([ProbeModule]));
  });
  afterAll(async () => {
    await env.close().catch(() => undefined);
    await pg.stop();
    pg.remove();
  });

  /** A connection of its own: env's cached one would not survive the outage. */
  async function unpublished(): Promise<number> {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      return (await c.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'))
        .rows[0].n;
    } finally {
      await c.end();
    }
  }

  it('waits it out: /health names postgres meanwhile, then every effect once and no dead letter', async () => {
    const all = seqs(100);
    await publishProbes(
      app,
      all.map((seq) => ({ seq, slow_ms: 200 })),
    );
    await eventually(async () => (await unpublished()) === 0, { what: 'everything relayed' });

    await pg.stop();
    const down = await eventually(async () => {
      const res = await request(url).get('/health');
      return res.status === 503 ? res : null;
    });
    expect(down.body.error.postgres).toMatchObject({ status: 'down' });
    const until = Date.now() + 25_000;
    while (Date.now() < until) {
      expect((await request(url).get('/health')).body.error?.postgres).toBeDefined();
      await new Promise((r) => setTimeout(r, 1000));
    }
    await pg.start();

    await expectExactlyOnce(env, 'probe_effect', all, 90_000);
    await settled(env, { timeoutMs: 90_000 });
    for (const handler of ['probe_effect', 'probe_mirror', 'probe_batch']) {
      await expectExactlyOnce(env, handler, all);
    }
    expect(await env.redisClient.xlen(env.key('dead-letters'))).toBe(0);
    await eventually(async () => (await request(url).get('/health')).status === 200, {
      what: 'healthy again',
    });
  });
});
