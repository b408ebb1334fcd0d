import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { connectWithSlot } from '../../src/platform/database/connection-slots';
import { CHILD_ENV, dbPrefix, PG_SLOT_WAIT_MS, redisPrefix, RUN_ENV, tempPrefix } from './test-run';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Removes whatever this run created and a failed or killed test left behind: child processes
 * (an app or simulator orphaned by a SIGKILLed worker), databases, Redis keys and temp
 * directories. Only this run's, by its id: another run may be going on beside it.
 */
export default async function globalTeardown(): Promise<void> {
  const run = process.env[RUN_ENV];
  if (!run) return;
  const left: string[] = [];
  const failed: string[] = [];
  // Each step on its own: PostgreSQL out of reach must not keep the Redis keys or the temp
  // directories from going.
  const step = async (what: string, remove: () => number | Promise<number>) => {
    try {
      const n = await remove();
      if (n) left.push(`${n} ${what}`);
    } catch (e) {
      failed.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  // Processes first: a live app would hold its database and write keys again.
  await step('processes', () => killChildren(run));
  await step('databases', () => dropDatabases(run));
  await step('Redis keys', () => deleteKeys(run));
  await step('temp directories', () => removeTempDirs(run));

  // Worth a line: a suite that cleans up after itself leaves nothing here.
  if (left.length) process.stderr.write(`test teardown removed leftovers: ${left.join(', ')}\n`);
  if (failed.length) process.stderr.write(`test teardown could not remove: ${failed.join('; ')}\n`);
}

async function dropDatabases(run: string): Promise<number> {
  const admin = await connectWithSlot(
    () => new Client({ connectionString: PG_ADMIN }),
    PG_SLOT_WAIT_MS,
  );
  try {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [dbPrefix(run)],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    return rows.length;
  } finally {
    await admin.end();
  }
}

async function deleteKeys(run: string): Promise<number> {
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let keys = 0;
    do {
      const [next, found] = await redis.scan(
        cursor,
        'MATCH',
        `${redisPrefix(run)}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (found.length) await redis.del(...found);
      keys += found.length;
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

function removeTempDirs(run: string): number {
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith(tempPrefix(run)));
  for (const d of dirs) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  return dirs.length;
}

/** SIGKILLs every process whose environment marks it as a child of this run (Linux /proc). */
function killChildren(run: string): number {
  const marker = `${CHILD_ENV}=${run}`;
  let killed = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0; // no /proc: nothing to find this way
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(marker)) continue;
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return killed;
}
