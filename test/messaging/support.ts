import { INestApplication } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { TransactionHost } from '@nestjs-cls/transactional';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { settled } from '../support/settled';
import { eventually, exited, listeningUrl, ROOT, TestEnv } from '../support/test-env';
import { ProbeModule, Probe_v1 } from '../fixtures/probe.module';

const run = promisify(execFile);

export async function publishProbes(
  app: INestApplication,
  probes: Partial<Probe_v1>[],
): Promise<Probe_v1[]> {
  const events = probes.map((p) => new Probe_v1(p));
  await app.get(TransactionHost).withTransaction(() => app.get(EventBus).publishAll(events));
  return events;
}

export async function effects(env: TestEnv, handler: string): Promise<Map<number, number>> {
  const rows = await env.query<{ seq: number; n: number }>(
    'SELECT seq, count(*)::int AS n FROM probe_effects WHERE handler = $1 GROUP BY seq',
    [handler],
  );
  return new Map(rows.map((r) => [r.seq, r.n]));
}

/**
 * Waits until `handler` has an effect for every seq in `seqs`, then checks none happened twice.
 * The wait fails only when no new seq gets its effect for `stallMs`: it asserts progress, not
 * speed, so a bench or another suite sharing the two cores makes it slower, never red (R12's
 * 1,000 messages took over 75 s beside `npm run bench -- --quick` and a chaos soak). A hang
 * still fails after `stallMs` without progress.
 */
export async function expectExactlyOnce(
  env: TestEnv,
  handler: string,
  seqs: number[],
  stallMs = 75_000,
) {
  let seenCount = -1;
  let stallDeadline = Date.now() + stallMs;
  for (;;) {
    const e = await effects(env, handler);
    const count = seqs.filter((s) => e.has(s)).length;
    if (count === seqs.length) return expectOnceEach(e, seqs);
    if (count > seenCount) {
      seenCount = count;
      stallDeadline = Date.now() + stallMs;
    } else if (Date.now() > stallDeadline) {
      throw new Error(
        `${handler}: no new effect for ${stallMs} ms; ${count} of ${seqs.length} messages handled`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * As expectExactlyOnce, but every effect must be in within `deadlineMs` in all: for tests where
 * the bound is what is checked (a relay woken before its sweep would have run).
 */
export async function expectExactlyOnceWithin(
  env: TestEnv,
  handler: string,
  seqs: number[],
  deadlineMs: number,
) {
  const seen = await eventually(
    async () => {
      const e = await effects(env, handler);
      return seqs.every((s) => e.has(s)) ? e : null;
    },
    { timeoutMs: deadlineMs, what: `${handler} effects for ${seqs.length} messages` },
  );
  expectOnceEach(seen, seqs);
}

function expectOnceEach(seen: Map<number, number>, seqs: number[]) {
  const notOnce = seqs.filter((s) => seen.get(s) !== 1).map((s) => [s, seen.get(s)]);
  expect(notOnce).toEqual([]);
}

export async function groupInfo(env: TestEnv, stream: string, group: string) {
  const groups = (await env.redisClient.xinfo('GROUPS', env.key(stream))) as unknown[][];
  for (const raw of groups) {
    const g: Record<string, any> = {};
    for (let i = 0; i < raw.length; i += 2) g[raw[i] as string] = raw[i + 1];
    if (g.name === group)
      return g as {
        name: string;
        pending: number;
        lag: number | null;
        'last-delivered-id': string;
      };
  }
  return undefined;
}

/** Waits until a group has read everything in its stream and acknowledged it. */
export async function groupSettled(
  env: TestEnv,
  stream: string,
  group: string,
  timeoutMs = 30_000,
) {
  await eventually(
    async () => {
      const g = await groupInfo(env, stream, group);
      return g && g.pending === 0 && g.lag === 0;
    },
    { timeoutMs, what: `group ${group} settled` },
  );
}

export const seqs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Adds every stream entry of these messages to the stream once more, as a relay retry would. */
export async function deliverAgain(env: TestEnv, messages: Probe_v1[]): Promise<void> {
  const ids = new Set(messages.map((e) => e.header.id));
  const key = env.key('events.Probe_v1');
  const entries = (await env.redisClient.xrange(key, '-', '+')) as [string, string[]][];
  const pipeline = env.redisClient.pipeline();
  for (const [, fields] of entries) {
    if (ids.has(fields[fields.indexOf('message_id') + 1])) pipeline.xadd(key, '*', ...fields);
  }
  await pipeline.exec();
}

const PROBE_MAIN = 'test/fixtures/probe-main.js';

/** A probe process that SIGKILLs itself at `fault` while handling the probes it is sent. */
export async function killedAtFault(env: TestEnv, fault: string, probes: object[]) {
  const doomed = env.spawn(PROBE_MAIN, { TICKETS_FAULT: fault });
  await request(await listeningUrl(doomed))
    .post('/api/probe')
    .send(probes)
    .expect(201);
  expect(await exited(doomed)).toBe('SIGKILL');
  return doomed;
}

/**
 * R6, on whatever Redis `env` names: a consumer killed after its effect and before XACK leaves
 * the entry pending; a live consumer claims it and every effect happens once.
 */
export async function consumerKilledBeforeAck(env: TestEnv): Promise<void> {
  await killedAtFault(
    env,
    'consumer.after-effect-before-ack',
    seqs(20).map((seq) => ({ seq })),
  );

  // The killed consumer committed at least one effect it never acknowledged.
  const [{ n: handled }] = await env.query('SELECT count(*)::int AS n FROM processed_messages');
  expect(handled).toBeGreaterThan(0);
  const pending = await Promise.all(
    ['probe_effect', 'probe_mirror', 'probe_batch', 'probe_saga'].map(
      async (h) => (await groupInfo(env, 'events.Probe_v1', `tickets.${h}`))?.pending ?? 0,
    ),
  );
  expect(pending.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  await env.start([ProbeModule]); // a live consumer: claims what the dead one left
  // Count only once every group has nothing pending, so a late duplicate would be seen.
  await settled(env);
  await expectExactlyOnce(env, 'probe_effect', seqs(20));
  await expectExactlyOnce(env, 'probe_mirror', seqs(20));
  await expectExactlyOnce(env, 'probe_batch', seqs(20));
}

/** `npm run dlq -- <args>` against `env`'s database and Redis. */
export const dlqCli = (env: TestEnv, ...args: string[]) =>
  run(process.execPath, [join(ROOT, 'dist/src/cli/dlq.js'), ...args], {
    env: { ...process.env, ...env.env },
  });
