import { INestApplication } from '@nestjs/common';
import { StreamTrimmer } from '../../src/messaging';
import { ProbeModule } from '../fixtures/probe.module';
import { TestEnv } from '../support/test-env';

/** R22: trimming never drops an entry some group has not acknowledged. */
describe('stream trimming', () => {
  const env = new TestEnv({ STREAM_RETENTION_MS: '0', ROLES: 'relay' });
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await env.start([ProbeModule])); // relay role only: no consumer groups created
  });
  afterAll(() => env.close());

  it('drops only what every group has acknowledged', async () => {
    const redis = env.redisClient;
    const key = env.key('events.Trim_v1');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await redis.xadd(key, '*', 'n', String(i)))!);
    await redis.xgroup('CREATE', key, 'fast', '0');
    await redis.xgroup('CREATE', key, 'slow', '0');
    // fast reads and acknowledges all; slow reads 6, acknowledges the first 3
    const fast = (await redis.xreadgroup(
      'GROUP',
      'fast',
      'c',
      'COUNT',
      10,
      'STREAMS',
      key,
      '>',
    )) as any;
    await redis.xack(key, 'fast', ...fast[0][1].map((e: string[]) => e[0]));
    await redis.xreadgroup('GROUP', 'slow', 'c', 'COUNT', 6, 'STREAMS', key, '>');
    await redis.xack(key, 'slow', ids[0], ids[1], ids[2]);

    await app.get(StreamTrimmer).trim(key);
    const left = ((await redis.xrange(key, '-', '+')) as [string, string[]][]).map(([id]) => id);
    expect(left).toEqual(ids.slice(3)); // slow's pending ids[3..5] and its unread ids[6..9] stay

    await redis.xack(key, 'slow', ids[3], ids[4], ids[5]);
    await app.get(StreamTrimmer).trim(key);
    const after = ((await redis.xrange(key, '-', '+')) as [string, string[]][]).map(([id]) => id);
    expect(after).toEqual(ids.slice(5)); // up to slow's last delivered entry, which it acknowledged
  });

  it('cuts a stream nobody reads to the retention time', async () => {
    const key = env.key('events.Lonely_v1');
    await env.redisClient.xadd(key, '*', 'n', '1');
    await new Promise((r) => setTimeout(r, 5)); // older than the retention of 0 ms
    await app.get(StreamTrimmer).trim(key);
    expect(await env.redisClient.xlen(key)).toBe(0);
  });

  it('leaves a stream alone while a group its handlers read it with does not exist yet', async () => {
    const key = env.key('events.Probe_v1'); // read by the probe handlers, whose worker never ran here
    await env.redisClient.xadd(key, '*', 'n', '1');
    await env.redisClient.xgroup('CREATE', key, 'tickets.probe_effect', '$'); // one of four
    await new Promise((r) => setTimeout(r, 5));
    await app.get(StreamTrimmer).trim(key);
    expect(await env.redisClient.xlen(key)).toBe(1);
  });
});
