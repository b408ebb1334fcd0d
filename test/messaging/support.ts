import { INestApplication } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { TransactionHost } from '@nestjs-cls/transactional';
import { eventually, TestEnv } from '../support/test-env';
import { Probe_v1 } from '../fixtures/probe.module';

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
 * The wait is a deadline for progress, not a speed claim: generous, because a bench or another
 * suite may share the two cores (R12's 1,000 messages took over 30 s under `npm run bench`).
 */
export async function expectExactlyOnce(
  env: TestEnv,
  handler: string,
  seqs: number[],
  timeoutMs = 75_000,
) {
  const seen = await eventually(
    async () => {
      const e = await effects(env, handler);
      return seqs.every((s) => e.has(s)) ? e : null;
    },
    { timeoutMs, what: `${handler} effects for ${seqs.length} messages` },
  );
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
