import { INestApplication } from '@nestjs/common';
import { ProbeModule, Probe_v1 } from '../fixtures/probe.module';
import { eventually, TestEnv } from '../support/test-env';
import { settled } from '../support/settled';
import { dlqCli, effects, expectExactlyOnce, publishProbes, seqs } from './support';

// Volume tests wait on progress (expectExactlyOnce's stall window), not on speed: the test
// timeout only catches a hang, so it is wide enough for a machine shared with a bench.
jest.setTimeout(600_000);

describe('failing handlers: retries, dead letters, independent groups', () => {
  const env = new TestEnv({ MAX_DELIVERIES: '3' });
  let app: INestApplication;

  const dlq = (...args: string[]) => dlqCli(env, ...args);

  beforeAll(async () => {
    ({ app } = await env.start([ProbeModule]));
  });

  /**
   * The dead letters of these messages only: each test looks at its own, so one that fails
   * (or leaves letters behind) does not fail the next.
   */
  const lettersOf = async (ids: string[]) =>
    (
      (await env.redisClient.xrange(env.key('dead-letters'), '-', '+')) as [string, string[]][]
    ).filter(([, f]) => ids.includes(f[f.indexOf('message_id') + 1]));
  afterAll(() => env.close());

  const switches = async (e: TestEnv) =>
    (await e.query<{ name: string }>('SELECT name FROM probe_switches')).map((r) => r.name);
  const entryIdOf = async (e: TestEnv, messageId: string) =>
    ((await e.redisClient.xrange(e.key('events.Probe_v1'), '-', '+')) as [string, string[]][]).find(
      ([, f]) => f[f.indexOf('message_id') + 1] === messageId,
    )?.[0];
  const pendingIds = async (e: TestEnv, group: string) =>
    (
      (await e.redisClient.xpending(e.key('events.Probe_v1'), group, '-', '+', 1000)) as [
        string,
        ...unknown[],
      ][]
    ).map(([id]) => id);

  /** One probe handled once after `attempts` attempts, with no dead letter. */
  const handledOnceAfter = async (probe: Partial<Probe_v1> & { seq: number }, attempts: number) => {
    const [event] = await publishProbes(app, [probe]);
    await expectExactlyOnce(env, 'probe_effect', [probe.seq]);
    const [{ n }] = await env.query('SELECT n FROM probe_attempts WHERE message_id = $1', [
      event.header.id,
    ]);
    expect(n).toBe(attempts);
    await settled(env);
    expect(await lettersOf([event.header.id])).toEqual([]);
  };

  it('R14: a handler that fails twice then succeeds is handled once, with no dead letter', () =>
    handledOnceAfter({ seq: 1, fail_times: 2 }, 3));

  // Its transaction is aborted, so PostgreSQL answers the COMMIT with ROLLBACK: the effect and
  // the dedupe record are gone. Acknowledging it then would lose the message.
  it('a handler that swallows a database error is retried, not acknowledged with nothing written', () =>
    handledOnceAfter({ seq: 2, swallow_db_error_times: 1 }, 2));

  it('R12: one poison message among 1,000 is dead-lettered after N deliveries, the rest handled, and redrive after a fix handles it', async () => {
    await env.query(`INSERT INTO probe_switches (name) VALUES ('poison')`);
    const events = await publishProbes(
      app,
      seqs(1000, 1000).map((seq) => ({ seq, poison: seq === 1500 })),
    );
    const healthy = seqs(1000, 1000).filter((s) => s !== 1500);
    await expectExactlyOnce(env, 'probe_effect', healthy);
    await expectExactlyOnce(env, 'probe_mirror', seqs(1000, 1000)); // the other group is not affected

    const poison = events.find((e) => e.seq === 1500)!;
    const [letter] = await eventually(async () => {
      const l = await lettersOf([poison.header.id]);
      return l.length ? l : null;
    });
    const fields = Object.fromEntries(
      letter[1].flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])),
    );
    expect(fields).toMatchObject({
      name: 'Probe_v1',
      message_id: poison.header.id,
      dlq_handler: 'probe_effect',
      dlq_group: 'tickets.probe_effect',
      dlq_stream: 'events.Probe_v1',
      dlq_deliveries: '3',
    });
    expect(fields.dlq_error).toContain('poison message 1500');
    expect(JSON.parse(fields.payload)).toMatchObject({
      seq: 1500,
      header: { id: poison.header.id },
    });
    const [{ n }] = await env.query('SELECT n FROM probe_attempts WHERE message_id = $1', [
      poison.header.id,
    ]);
    expect(n).toBe(3);
    await settled(env); // acknowledged there, and every healthy one handled
    expect(await lettersOf(events.map((e) => e.header.id))).toHaveLength(1);
    expect((await effects(env, 'probe_effect')).has(1500)).toBe(false);

    const listed = await dlq('list');
    expect(listed.stdout).toContain(poison.header.id);
    expect(listed.stdout).toContain('poison message 1500');

    await env.query(`DELETE FROM probe_switches WHERE name = 'poison'`); // the fix
    const redriven = await dlq('redrive', letter[0]);
    expect(redriven.stdout).toContain('re-drove 1 dead letter');
    await expectExactlyOnce(env, 'probe_effect', [1500]);
    expect(await lettersOf([poison.header.id])).toEqual([]);
    // The re-drive was addressed to the failing group only: the mirror did not run again.
    await settled(env);
    await expectExactlyOnce(env, 'probe_mirror', seqs(1000, 1000));
  });

  /**
   * Independence shown by order, not by a deadline: the mirror group is stuck on its first
   * message (held until the test lets it go) and fails all the others, and the effect group
   * handles every message meanwhile. The test lets the mirror go only once every effect is in,
   * so those effects cannot have waited for the mirror group to finish.
   */
  it('R21: a failing group does not hold back another group on the same stream', async () => {
    const [held] = await publishProbes(app, [{ seq: 5000, break_mirror: true, hold_mirror: true }]);
    try {
      await eventually(async () => (await switches(env)).includes('mirror_holding'), {
        timeoutMs: 75_000,
        what: 'the mirror holding message 5000',
      });
      const rest = await publishProbes(
        app,
        seqs(99, 5001).map((seq) => ({ seq, break_mirror: true })),
      );
      await expectExactlyOnce(env, 'probe_effect', seqs(100, 5000));
      // The mirror is still on message 5000 (pending, not dead-lettered) and recorded nothing.
      expect((await switches(env)).includes('mirror_released')).toBe(false);
      expect(await lettersOf([held.header.id])).toEqual([]);
      expect(await pendingIds(env, 'tickets.probe_mirror')).toContain(
        (await entryIdOf(env, held.header.id))!,
      );
      await env.query(`INSERT INTO probe_switches (name) VALUES ('mirror_released')`);
      const ids = [held, ...rest].map((e) => e.header.id);
      await settled(env);
      const mirrored = await effects(env, 'probe_mirror');
      expect(seqs(100, 5000).filter((s) => mirrored.has(s))).toEqual([]);
      const letters = await lettersOf(ids);
      expect(letters.map(([, f]) => f[f.indexOf('dlq_handler') + 1])).toEqual(
        ids.map(() => 'probe_mirror'),
      );
    } finally {
      await env.query(
        `INSERT INTO probe_switches (name) VALUES ('mirror_released') ON CONFLICT DO NOTHING`,
      );
    }
  });

  it('dead-letters an entry that cannot be decoded, without retrying it', async () => {
    await env.redisClient.xadd(
      env.key('events.Probe_v1'),
      '*',
      'name',
      'Probe_v1',
      'payload',
      '{not json',
      'message_id',
      '00000000-0000-4000-8000-000000000001',
    );
    const groups = (
      (await env.redisClient.xinfo('GROUPS', env.key('events.Probe_v1'))) as unknown[]
    ).length;
    expect(groups).toBe(5); // probe_effect, probe_mirror, probe_batch, probe_deferred, probe_saga
    const letters = await eventually(async () => {
      const all = await env.redisClient.xrange(env.key('dead-letters'), '-', '+');
      const mine = all.filter(([, f]) => f.includes('00000000-0000-4000-8000-000000000001'));
      return mine.length === groups ? mine : null; // one per group
    });
    for (const [, f] of letters) expect(f[f.indexOf('dlq_deliveries') + 1]).toBe('1');
  });

  it('dlq redrive with an unknown id says so', async () => {
    await expect(dlq('redrive', '1-1')).rejects.toMatchObject({
      stderr: expect.stringContaining('no dead letter with id 1-1'),
    });
  });
});
