import { masters } from '../../src/platform/redis/redis-client';
import { TestEnv } from './test-env';

export interface GroupState {
  stream: string;
  group: string;
  pending: number;
  /** null when Redis cannot tell (entries deleted in the unread range) and the ids differ. */
  lag: number | null;
  lastDelivered: string;
}

/**
 * Every consumer group of every stream under the run's prefix, as XINFO GROUPS shows it (also
 * read by the chaos soak, on a Redis of its own).
 */
export async function groupStates(
  env: Pick<TestEnv, 'redisClient' | 'prefix'>,
): Promise<GroupState[]> {
  const redis = env.redisClient;
  const out: GroupState[] = [];
  for (const key of await streamKeys(env)) {
    const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
    if (groups.length === 0) continue;
    const stream = toRecord((await redis.xinfo('STREAM', key)) as unknown[]);
    for (const raw of groups) {
      const g = toRecord(raw);
      let lag = g.lag === null || g.lag === undefined ? null : Number(g.lag);
      // Redis gives up on lag after deletions (trimming); a group that delivered the last
      // entry ever added has none.
      if (lag === null && g['last-delivered-id'] === stream['last-generated-id']) lag = 0;
      out.push({
        stream: key.slice(env.prefix.length),
        group: String(g.name),
        pending: Number(g.pending),
        lag,
        lastDelivered: String(g['last-delivered-id']),
      });
    }
  }
  return out.sort((a, b) => `${a.stream} ${a.group}`.localeCompare(`${b.stream} ${b.group}`));
}

/** The run's streams; on a cluster (test/cluster) they are spread over the masters: scan each. */
async function streamKeys(env: Pick<TestEnv, 'redisClient' | 'prefix'>): Promise<string[]> {
  const keys: string[] = [];
  for (const node of await masters(env.redisClient)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${env.prefix}*`, 'TYPE', 'stream');
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

function toRecord(flat: unknown[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1];
  return r;
}

async function unpublished(env: TestEnv): Promise<number> {
  const [{ n }] = await env.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
  );
  return n;
}

export interface SettledOptions {
  /**
   * Message ids that must be recorded as handled: by any handler, or (as a map) by the named
   * handlers each.
   */
  handled?: string[] | Record<string, string[]>;
  /** Groups that need not be at rest, e.g. ones a test stopped on purpose. */
  ignoreGroups?: string[];
  /**
   * How long the app may go without any progress before the wait fails (not a bound on the
   * whole wait: a machine loaded by a bench drains slowly but steadily, and that is not a bug).
   */
  timeoutMs?: number;
}

/**
 * Waits until the app has nothing left to do, so that counting effects afterwards means "once"
 * and not "once so far": no unpublished outbox row, every consumer group of the run's streams
 * at pending 0 and lag 0, and the given message ids recorded as handled.
 *
 * Pending 0 means handled or dead-lettered: a handler retrying with backoff keeps its entry
 * pending, and an entry left unacknowledged stays pending until it is claimed again, so no
 * redelivery can still be on its way. The groups are read before and after the outbox and must
 * not have moved in between: a handler that commits new outbox rows and then acknowledges, or a
 * relay that publishes between two reads, would otherwise look like rest.
 *
 * It fails when nothing moved for `timeoutMs`: no group read further, and the work left (outbox
 * rows, pending and lag, ids not yet handled) did not shrink below its lowest so far. A stuck
 * entry (pending forever, a group that stopped reading) therefore still fails the test.
 */
export async function settled(env: TestEnv, options: SettledOptions = {}): Promise<void> {
  const { handled, ignoreGroups = [], timeoutMs = 60_000 } = options;
  const relevant = (states: GroupState[]) => states.filter((s) => !ignoreGroups.includes(s.group));
  let last = '';
  let leastWork = Infinity;
  let reads = '';
  let stallDeadline = Date.now() + timeoutMs;
  for (;;) {
    const before = relevant(await groupStates(env));
    const outbox = await unpublished(env);
    const after = relevant(await groupStates(env));
    const busy = after.filter((s) => s.pending !== 0 || s.lag !== 0);
    const moved = JSON.stringify(before) !== JSON.stringify(after);
    const missing = handled ? await notHandled(env, handled) : [];
    last = JSON.stringify({ outbox, busy, moved, missing: missing.slice(0, 5) });
    if (outbox === 0 && busy.length === 0 && !moved && missing.length === 0) return;

    const work = outbox + missing.length + busy.reduce((n, s) => n + s.pending + (s.lag ?? 1), 0);
    const nowReads = after.map((s) => `${s.group}@${s.lastDelivered}`).join(' ');
    if (work < leastWork || nowReads !== reads) {
      leastWork = Math.min(leastWork, work);
      reads = nowReads;
      stallDeadline = Date.now() + timeoutMs;
    } else if (Date.now() > stallDeadline) {
      throw new Error(`the app made no progress to rest for ${timeoutMs} ms; state: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function notHandled(
  env: TestEnv,
  handled: string[] | Record<string, string[]>,
): Promise<string[]> {
  if (Array.isArray(handled)) {
    const ids = [...new Set(handled.map((id) => id.toLowerCase()))];
    const rows = await env.query<{ id: string }>(
      'SELECT DISTINCT message_id::text AS id FROM processed_messages WHERE message_id = ANY($1::uuid[])',
      [ids],
    );
    const seen = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !seen.has(id));
  }
  const missing: string[] = [];
  for (const [handler, list] of Object.entries(handled)) {
    const ids = [...new Set(list.map((id) => id.toLowerCase()))];
    const rows = await env.query<{ id: string }>(
      'SELECT message_id::text AS id FROM processed_messages WHERE handler = $1 AND message_id = ANY($2::uuid[])',
      [handler, ids],
    );
    const seen = new Set(rows.map((r) => r.id));
    missing.push(...ids.filter((id) => !seen.has(id)).map((id) => `${handler}:${id}`));
  }
  return missing;
}
