import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ProbeModule } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { OwnRedis } from './own-redis';
import { expectExactlyOnce, publishProbes, seqs } from './support';

describe('Redis restarted (and empty) under a running app', () => {
  const redis = new OwnRedis();
  const env = new TestEnv({ REDIS_URL: `127.0.0.1:${redis.port}` });
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    await redis.start();
    ({ app, url } = await env.start([ProbeModule]));
  });
  afterAll(async () => {
    await env.close().catch(() => undefined);
    await redis.stop();
    redis.remove();
  });

  it('reports Redis down on /health, and relay and consumers recover by themselves', async () => {
    await publishProbes(
      app,
      seqs(50).map((seq) => ({ seq })),
    );
    await expectExactlyOnce(env, 'probe_effect', seqs(50));

    await redis.stop();
    const down = await eventually(async () => {
      const res = await request(url).get('/health');
      return res.status === 503 ? res : null;
    });
    expect(down.body.error.redis).toMatchObject({ status: 'down' });

    // Written while Redis is away: they wait in the outbox.
    await publishProbes(
      app,
      seqs(50, 100).map((seq) => ({ seq })),
    );
    await new Promise((r) => setTimeout(r, 500));
    const [{ n }] = await env.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
    );
    expect(n).toBe(50);

    await redis.start(); // comes back empty: no streams, no groups
    await expectExactlyOnce(env, 'probe_effect', seqs(50, 100), 30_000);
    await expectExactlyOnce(env, 'probe_mirror', seqs(50, 100), 30_000);
    // Counted again once nothing is left to deliver, so a late duplicate would be seen.
    await settled(env);
    const all = [...seqs(50), ...seqs(50, 100)]; // before the restart, and while Redis was away
    await expectExactlyOnce(env, 'probe_effect', all);
    await expectExactlyOnce(env, 'probe_mirror', all);
    await eventually(async () => (await request(url).get('/health')).status === 200, {
      what: 'healthy again',
    });
  });
});
