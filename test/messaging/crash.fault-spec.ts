import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { OutboxWriter } from '../../src/messaging';
import { ProbeModule, Probe_v1 } from '../fixtures/probe.module';
import { eventually, exited, listeningUrl, TestEnv } from '../support/test-env';
import { settled } from '../support/settled';
import {
  consumerKilledBeforeAck,
  effects,
  expectExactlyOnce,
  killedAtFault,
  seqs,
} from './support';

const PROBE_MAIN = 'test/fixtures/probe-main.js';

async function unpublished(env: TestEnv): Promise<number> {
  const [{ n }] = await env.query(
    'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
  );
  return n;
}

/** The relay killed with SIGKILL at a fault point, then restarted (R2, R3). */
// Volume tests wait on progress (expectExactlyOnce's stall window), not on speed: the test
// timeout only catches a hang, so it is wide enough for a machine shared with a bench.
jest.setTimeout(600_000);

describe.each([
  ['R2', 'relay.after-xadd-before-mark', true],
  ['R3', 'relay.after-read-before-xadd', false],
])('%s: relay killed at %s', (_name, fault, publishedBeforeDeath) => {
  const env = new TestEnv({ RELAY_BATCH: '100' });
  let app: INestApplication;

  beforeAll(async () => {
    // This process only consumes; the relay runs in a child process we can kill.
    ({ app } = await env.start([ProbeModule], { ROLES: 'worker' }));
  });
  afterAll(() => env.close());

  it('delivers every row after restart, and each effect happens exactly once', async () => {
    const all = seqs(300);
    await app.get(OutboxWriter).append(all.map((seq) => new Probe_v1({ seq })));

    const doomed = env.spawn(PROBE_MAIN, { ROLES: 'relay', TICKETS_FAULT: fault });
    expect(await exited(doomed)).toBe('SIGKILL');
    expect(doomed.output.join('')).toContain(`fault injected at ${fault}`);
    expect(await unpublished(env)).toBe(300); // the batch's marking never committed
    const streamed = await env.redisClient.xlen(env.key('events.Probe_v1'));
    expect(streamed).toBe(publishedBeforeDeath ? 100 : 0);

    const relay = env.spawn(PROBE_MAIN, { ROLES: 'relay' });
    // Count once every group is done with every copy, so a late duplicate would be seen.
    await settled(env);
    await expectExactlyOnce(env, 'probe_effect', all);
    await expectExactlyOnce(env, 'probe_mirror', all);
    expect(await unpublished(env)).toBe(0);
    // R2 published the first batch twice; the consumers deduplicated it.
    expect(await env.redisClient.xlen(env.key('events.Probe_v1'))).toBe(
      publishedBeforeDeath ? 400 : 300,
    );
    relay.kill('SIGTERM');
    expect(await exited(relay)).toBe(0);
  });
});

describe('R6: a consumer killed after its effect and before XACK', () => {
  const env = new TestEnv({ CLAIM_IDLE_MS: '1000' });
  afterAll(() => env.close());

  it('leaves the entry pending; another consumer claims it and the effect happens once', () =>
    consumerKilledBeforeAck(env));
});

describe('a deferWrites handler killed after its external work, before its writes', () => {
  const env = new TestEnv({ CLAIM_IDLE_MS: '1000' });
  afterAll(() => env.close());

  it('runs again after a claim and writes what it publishes exactly once', async () => {
    const doomed = await killedAtFault(
      env,
      'consumer.after-handler-before-write',
      seqs(20).map((seq) => ({ seq, defer_command: true })),
    );
    expect(doomed.output.join('')).toContain(
      'fault injected at consumer.after-handler-before-write',
    );

    await env.start([ProbeModule]); // claims what the dead process left pending
    await settled(env);
    const [{ n }] = await env.query(
      `SELECT count(*)::int AS n FROM outbox WHERE name = 'ProbeCommand'`,
    );
    expect(n).toBe(20);
    await expectExactlyOnce(env, 'probe_command', seqs(20));
  });
});

describe('a consumer killed while messages wait for the COMMIT they share', () => {
  // Two connection slots for three groups of in-flight entries: messages wait, and join.
  const env = new TestEnv({ CLAIM_IDLE_MS: '1000', DB_POOL_SIZE: '6' });
  afterAll(() => env.close());

  it('loses none of them: the shared transaction is gone, they are claimed and handled once', async () => {
    const all = seqs(200);
    const doomed = await killedAtFault(
      env,
      'consumer.before-shared-commit',
      all.map((seq) => ({ seq })),
    );
    expect(doomed.output.join('')).toContain('fault injected at consumer.before-shared-commit');
    // PostgreSQL rolls the shared transaction back with the dead connection, records and all.
    await eventually(
      async () => {
        const [{ open }] = await env.query(
          `SELECT count(*)::int AS open FROM pg_stat_activity
            WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        );
        return open === 0;
      },
      { what: 'the dead consumer’s transactions to end' },
    );

    await env.start([ProbeModule]); // claims every entry the dead process left pending
    await settled(env);
    await expectExactlyOnce(env, 'probe_effect', all);
    await expectExactlyOnce(env, 'probe_mirror', all);
    await expectExactlyOnce(env, 'probe_batch', all);
  });
});

describe('R19: SIGTERM under load', () => {
  // Poisoned probes retry until the switch goes off: they must not dead-letter meanwhile.
  const env = new TestEnv({
    SHUTDOWN_TIMEOUT_MS: '3000',
    MAX_DELIVERIES: '100000',
    DEDUPE_RETENTION: '365d', // must outlast the redelivery 100,000 deliveries allow
  });
  afterAll(() => env.close());

  it('exits 0 promptly with nothing half-applied, and a restart resumes', async () => {
    const first = env.spawn(PROBE_MAIN);
    const url = await listeningUrl(first);
    const all = seqs(400);
    // Half the load cannot finish before the poison switch is off, whatever the machine's speed:
    // the SIGTERM lands mid-load by construction, with slow handlers and retries in flight.
    await env.query(`INSERT INTO probe_switches (name) VALUES ('poison')`);
    await request(url)
      .post('/api/probe')
      .send(all.map((seq) => ({ seq, slow_ms: 20, poison: seq % 2 === 1 })))
      .expect(201);
    await eventually(async () => (await effects(env, 'probe_effect')).size >= 20);

    first.kill('SIGTERM');
    // 0, not 1: the process gives itself SHUTDOWN_TIMEOUT_MS + 5 s and leaves with 1 past that.
    expect(await exited(first)).toBe(0);
    expect(first.output.join('')).not.toMatch(/shutdown took longer/);

    // Every effect committed together with its dedupe record: none without the other.
    const orphans = await env.query(`
      SELECT count(*)::int AS n FROM probe_effects e WHERE e.handler = 'probe_effect'
         AND NOT EXISTS (SELECT 1 FROM processed_messages p WHERE p.handler = 'probe_effect' AND p.message_id = e.message_id)`);
    expect(orphans[0].n).toBe(0);
    const done = await effects(env, 'probe_effect');
    expect(all.filter((seq) => seq % 2 === 1 && done.has(seq))).toEqual([]); // stopped mid-load

    await env.query(`DELETE FROM probe_switches WHERE name = 'poison'`);
    env.spawn(PROBE_MAIN);
    await expectExactlyOnce(env, 'probe_effect', all, 60_000);
    await expectExactlyOnce(env, 'probe_mirror', all, 60_000);
    await settled(env); // and again once nothing is left to deliver
    await expectExactlyOnce(env, 'probe_effect', all);
    await expectExactlyOnce(env, 'probe_mirror', all);
  });
});

describe('R5: two relays at once', () => {
  const env = new TestEnv({ RELAY_BATCH: '50' });
  afterAll(() => env.close());

  it('share the outbox without losing or double-publishing a row', async () => {
    const { app, url } = await env.start([ProbeModule]); // relay and worker
    const other = env.spawn(PROBE_MAIN, { ROLES: 'relay' });
    const otherUrl = await listeningUrl(other);
    const all = seqs(3000);
    const writer = app.get(OutboxWriter);
    for (let i = 0; i < all.length; i += 100) {
      await writer.append(all.slice(i, i + 100).map((seq) => new Probe_v1({ seq })));
    }
    await expectExactlyOnce(env, 'probe_effect', all, 60_000);
    await settled(env); // both relays idle and every group done: a late copy would be seen
    await expectExactlyOnce(env, 'probe_effect', all);
    expect(await unpublished(env)).toBe(0);
    // SKIP LOCKED: each row was claimed by exactly one relay, so none was published twice.
    expect(await env.redisClient.xlen(env.key('events.Probe_v1'))).toBe(3000);
    // and both relays did part of the work
    const published = async (u: string) =>
      Number(
        /^outbox_relay_published_total (\d+)/m.exec((await request(u).get('/metrics')).text)?.[1] ??
          0,
      );
    expect(await published(otherUrl)).toBeGreaterThan(0);
    expect(await published(url)).toBeGreaterThan(0);
    other.kill('SIGTERM');
    expect(await exited(other)).toBe(0);
  });
});
