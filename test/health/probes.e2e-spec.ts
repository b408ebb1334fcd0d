import request from 'supertest';
import { OwnRedis } from '../messaging/own-redis';
import { eventually, TestEnv } from '../support/test-env';

describe('GET /health/live and /health/ready (spec §10)', () => {
  const redis = new OwnRedis();
  const env = new TestEnv({ REDIS_URL: `127.0.0.1:${redis.port}` });
  let url: string;

  beforeAll(async () => {
    await redis.start();
    ({ url } = await env.start([]));
  });
  afterAll(async () => {
    await env.close().catch(() => undefined);
    await redis.stop();
  });

  it('are both 200 while everything is up', async () => {
    await eventually(async () => (await request(url).get('/health/ready')).status === 200, {
      what: 'ready',
    });
    const live = await request(url).get('/health/live');
    expect(live.status).toBe(200);
  });

  it('keeps live at 200 while ready (and /health) answer 503 naming Redis', async () => {
    await redis.stop();
    const ready = await eventually(async () => {
      const res = await request(url).get('/health/ready');
      return res.status === 503 ? res : null;
    });
    expect(ready.body.error.redis).toMatchObject({ status: 'down' });
    const health = await request(url).get('/health');
    expect(health.status).toBe(503);
    const live = await request(url).get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });

    await redis.start();
    await eventually(async () => (await request(url).get('/health/ready')).status === 200, {
      what: 'ready again',
    });
  });
});
