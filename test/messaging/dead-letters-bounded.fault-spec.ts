import { INestApplication } from '@nestjs/common';
import {
  DeadLetters,
  REDRIVE_PAGE,
  StreamNames,
  DEAD_LETTERS_MAX,
  StreamTrimmer,
} from '../../src/messaging';
import { SERVICE_NAME } from '../../src/app-messaging';
import { TestEnv } from '../support/test-env';

const letter = (i: number) => [
  'name',
  'Probe_v1',
  'payload',
  '{}',
  'message_id',
  `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  'dlq_stream',
  'events.Probe_v1',
  'dlq_group',
  'tickets.probe_effect',
  'dlq_handler',
  'probe_effect',
  'dlq_error',
  'broken',
  'dlq_deliveries',
  '10',
];

describe('the dead-letter stream stays bounded (spec §10)', () => {
  const env = new TestEnv({ OUTBOX_RETENTION: '1h' });
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await env.start([]));
  });
  afterAll(() => env.close());

  async function add(n: number, id = () => '*'): Promise<void> {
    for (let from = 0; from < n; from += 10_000) {
      const p = env.redisClient.pipeline();
      for (let i = from; i < Math.min(n, from + 10_000); i++) {
        p.xadd(env.key('dead-letters'), id(), ...letter(i));
      }
      await p.exec();
    }
  }

  it('drops dead letters older than OUTBOX_RETENTION, and beyond the newest DEAD_LETTERS_MAX', async () => {
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    let seq = 0;
    await add(50, () => `${twoHoursAgo}-${seq++}`);
    await add(DEAD_LETTERS_MAX + 5_000);
    await app.get(StreamTrimmer).trimDeadLetters();
    const left = await env.redisClient.xlen(env.key('dead-letters'));
    expect(left).toBeLessThanOrEqual(DEAD_LETTERS_MAX + 200); // approximate: whole nodes go
    expect(left).toBeGreaterThanOrEqual(DEAD_LETTERS_MAX);
    const [[oldest]] = (await env.redisClient.xrange(
      env.key('dead-letters'),
      '-',
      '+',
      'COUNT',
      1,
    )) as [string, string[]][];
    expect(Number(oldest.split('-')[0])).toBeGreaterThan(twoHoursAgo);
  });

  it('re-drives them all a page at a time', async () => {
    await env.redisClient.del(env.key('dead-letters'));
    const total = 2 * REDRIVE_PAGE + 500;
    await add(total);
    const pages: number[] = [];
    const letters = new DeadLetters(env.redisClient, new StreamNames(env.prefix, SERVICE_NAME));
    expect(await letters.redrive(undefined, (done) => pages.push(done))).toBe(total);
    expect(pages).toEqual([REDRIVE_PAGE, 2 * REDRIVE_PAGE, total]);
    expect(await env.redisClient.xlen(env.key('dead-letters'))).toBe(0);
    expect(await env.redisClient.xlen(env.key('events.Probe_v1'))).toBe(total);
  });
});
