import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Pruner } from '../../src/messaging';
import { ProbeModule } from '../fixtures/probe.module';
import { settled } from '../support/settled';
import { eventually, TestEnv } from '../support/test-env';
import { expectExactlyOnce, publishProbes, seqs } from './support';

/** Short retentions the configuration accepts: a redelivery lasts at most 2 × 1.2 s here. */
const SHORT = {
  OUTBOX_RETENTION: '2s',
  DEDUPE_RETENTION: '6s',
  WEBHOOK_KEY_RETENTION: '2s',
  STREAM_RETENTION_MS: '0',
  MAX_DELIVERIES: '2',
  GATEWAY_RETRIES: '0',
  GATEWAY_TIMEOUT_MS: '100',
};

const count = async (env: TestEnv, sql: string): Promise<number> =>
  (await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0].n;

describe('retention (spec §10): pruning old rows', () => {
  describe('what goes and what stays', () => {
    const env = new TestEnv({ ...SHORT, OUTBOX_RETENTION: '1h', WEBHOOK_KEY_RETENTION: '30d' });
    let app: INestApplication;
    let url: string;

    // No relay role: nothing publishes or prunes behind the test's back; it calls the pruner.
    beforeAll(async () => {
      ({ app, url } = await env.start([ProbeModule], { ROLES: 'api,worker' }));
    });
    afterAll(() => env.close());

    it('deletes published outbox rows, dedupe records and webhook keys past retention; keeps young and unpublished rows and the events store', async () => {
      const old = `now() - interval '31 days'`;
      await env.query(`
        INSERT INTO outbox (message_id, destination, name, payload, created_at, published_at)
        SELECT gen_random_uuid(), 'events.Old_v1', 'Old_v1', '{}', ${old}, ${old} FROM generate_series(1, 2500);
        INSERT INTO outbox (message_id, destination, name, payload, created_at, published_at)
        SELECT gen_random_uuid(), 'events.Young_v1', 'Young_v1', '{}', now(), now() FROM generate_series(1, 10);
        INSERT INTO outbox (message_id, destination, name, payload, created_at)
        SELECT gen_random_uuid(), 'events.Unpublished_v1', 'Unpublished_v1', '{}', ${old} FROM generate_series(1, 10);
        INSERT INTO processed_messages (handler, message_id, processed_at)
        SELECT 'old', gen_random_uuid(), ${old} FROM generate_series(1, 1500);
        INSERT INTO processed_messages (handler, message_id) SELECT 'young', gen_random_uuid() FROM generate_series(1, 10);
        INSERT INTO webhook_requests (idempotency_key, received_at) SELECT 'old' || i, ${old} FROM generate_series(1, 1200) i;
        INSERT INTO webhook_requests (idempotency_key) SELECT 'young' || i FROM generate_series(1, 10) i;
        INSERT INTO events (event_id, published_at, event_name, event_payload)
        SELECT gen_random_uuid(), ${old}, 'Old_v1', '{}' FROM generate_series(1, 10);
      `);

      const deleted = await app.get(Pruner).pruneAll();

      expect(deleted).toEqual({ outbox: 2500, processed_messages: 1500, webhook_requests: 1200 });
      expect(await count(env, `outbox WHERE name = 'Young_v1'`)).toBe(10);
      expect(await count(env, `outbox WHERE published_at IS NULL`)).toBe(10);
      expect(await count(env, `outbox WHERE name = 'Old_v1'`)).toBe(0);
      expect(await count(env, `processed_messages WHERE handler = 'young'`)).toBe(10);
      expect(await count(env, `processed_messages WHERE handler = 'old'`)).toBe(0);
      expect(await count(env, `webhook_requests WHERE idempotency_key LIKE 'young%'`)).toBe(10);
      expect(await count(env, `webhook_requests WHERE idempotency_key LIKE 'old%'`)).toBe(0);
      expect(await count(env, `events`)).toBe(10);

      const metrics = (await request(url).get('/metrics')).text;
      expect(metrics).toMatch(/^table_rows\{table="outbox"\} 20$/m);
      expect(metrics).toMatch(/^table_rows\{table="processed_messages"\} 10$/m);
      expect(metrics).toMatch(/^table_rows\{table="webhook_requests"\} 10$/m);
    });
  });

  describe('in the relay role, by itself', () => {
    // The outbox goes after 2 s; the dedupe records must outlast the redelivery below however
    // slow a loaded machine makes it (with 6 s they once expired before it was handled, and the
    // second effect was the test's own doing, outside the window).
    const env = new TestEnv({ ...SHORT, DEDUPE_RETENTION: '1h' });
    let app: INestApplication;

    beforeAll(async () => {
      ({ app } = await env.start([ProbeModule]));
    });
    afterAll(() => env.close());

    it('prunes the published outbox, and a redelivery inside the dedupe window still has no second effect', async () => {
      const events = await publishProbes(
        app,
        seqs(50).map((seq) => ({ seq })),
      );
      await settled(env);
      const key = env.key('events.Probe_v1');
      const entries = (await env.redisClient.xrange(key, '-', '+')) as [string, string[]][];
      expect(entries).toHaveLength(50);

      // The outbox retention (2 s) passes; the dedupe retention (1 h) has not.
      await eventually(async () => (await count(env, 'outbox')) === 0, {
        what: 'the published outbox pruned',
      });
      const kept = await env.query('SELECT 1 FROM processed_messages WHERE message_id = $1', [
        events[0].header.id,
      ]);
      expect(kept.length).toBeGreaterThan(0);

      const again = env.redisClient.pipeline();
      for (const [, fields] of entries) again.xadd(key, '*', ...fields);
      await again.exec();
      await settled(env);
      for (const handler of ['probe_effect', 'probe_mirror', 'probe_batch']) {
        await expectExactlyOnce(env, handler, seqs(50));
      }
    });
  });
});
