import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { openLoop, percentiles, Percentiles } from './load';
import { Child, processCpuSeconds, sleep } from './processes';
import { Row } from './report';

/** What the journey bench needs of the bench run (bench/run.ts). */
export interface JourneyBenchEnv {
  pg: Client;
  database: string;
  /** The app's processes (the first serves the API) and the gateway simulator whose webhooks reach it. */
  apps: Child[];
  sim: Child;
  body: () => unknown;
  row: (row: Row) => void;
}

export interface JourneyStep {
  rate: number;
  /** journeys started (201s) and completed before the grace period ran out */
  booked: number;
  completed: number;
  /** journeys not complete when the load stopped, and when the grace period ran out */
  backlogAtEnd: number;
  backlogAfterGrace: number;
  journey: Percentiles;
  post: Percentiles;
  failed: number;
  /** CPU ms per booking made (journey started), by process (app: all of its processes) */
  cpuMs: { app: number; simulator: number; postgres: number; redis: number };
  /** PostgreSQL transactions and rows written per booking made, in this database (the poll's own queries taken off) */
  xactsPerJourney: number;
  rowsPerJourney: number;
}

/** A journey is done when both tickets are receipted and printed in the ops document. */
const DONE = `SELECT booking_id, (payload ->> 'last_update')::timestamptz AS done_at
  FROM read_model_ops_bookings
 WHERE booking_id = ANY($1::uuid[])
   AND (SELECT count(*) FROM jsonb_each(payload -> 'tickets') t
         WHERE t.value ->> 'receipt_issued_at' IS NOT NULL
           AND t.value ->> 'printed_at' IS NOT NULL) = 2`;

/**
 * One rate of the whole-journey benchmark: open-loop bookings of 2 tickets for `durationS`, then
 * up to `graceS` for the journeys still under way. A journey's time runs from its 201 at the
 * client to the ops document's `last_update` once both tickets are receipted and printed (the
 * document changes no more after that: a redelivered event brings nothing new), both on this
 * machine's clock.
 */
export async function journeyStep(
  env: JourneyBenchEnv,
  rate: number,
  durationS: number,
  graceS: number,
): Promise<JourneyStep> {
  const cpu0 = await cpuNow(env);
  const db0 = await dbCounters(env);
  const done = new Map<string, number>();
  const pending = new Set<string>();
  const answered = new Map<string, number>();
  let polling = true;
  let polls = 0;
  const poll = async () => {
    while (polling || pending.size > 0) {
      const ids = [...pending];
      if (ids.length > 0) {
        polls++;
        const { rows } = await env.pg.query<{ booking_id: string; done_at: Date }>(DONE, [ids]);
        for (const r of rows) {
          done.set(r.booking_id, r.done_at.getTime());
          pending.delete(r.booking_id);
        }
      }
      if (!polling && pending.size === 0) break;
      await sleep(100);
    }
  };
  const poller = poll();
  const load = openLoop({
    url: `${env.apps[0].url}/api/book-tickets`,
    rate,
    durationS,
    body: env.body,
    onAnswer: (id, at) => {
      answered.set(id, at);
      pending.add(id);
    },
  });
  const result = await load;
  const backlogAtEnd = pending.size;
  const deadline = Date.now() + graceS * 1000;
  while (pending.size > 0 && Date.now() < deadline) await sleep(200);
  const backlogAfterGrace = pending.size;
  pending.clear();
  polling = false;
  await poller;
  const cpu1 = await cpuNow(env);
  const db1 = await dbCounters(env);
  const journeys = [...done].map(([id, at]) => at - answered.get(id)!);
  // per booking made: when journeys are left over, their work so far is in the counters too
  const n = Math.max(answered.size, 1);
  const perJourney = (a: number, b: number) => ((b - a) * 1000) / n;
  return {
    rate,
    booked: answered.size,
    completed: done.size,
    backlogAtEnd,
    backlogAfterGrace,
    journey: percentiles(journeys),
    post: percentiles(result.latencies),
    failed: result.failed,
    cpuMs: {
      app: perJourney(cpu0.app, cpu1.app),
      simulator: perJourney(cpu0.sim, cpu1.sim),
      postgres: perJourney(0, backendCpu(cpu0.backends, cpu1.backends)),
      redis: perJourney(cpu0.redis, cpu1.redis),
    },
    // minus the poll's own queries and the two readings of the counters
    xactsPerJourney: (db1.xacts - db0.xacts - polls - 2) / n,
    rowsPerJourney: (db1.rows - db0.rows) / n,
  };
}

/** Sustained: p99 journey ≤ 1 s, and every journey done within the grace period. */
export function sustained(step: JourneyStep): boolean {
  return (
    step.journey.p99 <= 1000 &&
    step.backlogAfterGrace === 0 &&
    step.failed === 0 &&
    step.completed === step.booked
  );
}

async function cpuNow(env: JourneyBenchEnv) {
  const { rows } = await env.pg.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1',
    [env.database],
  );
  const backends = new Map<number, number>();
  for (const { pid } of rows) backends.set(pid, cpuOf(pid));
  return {
    app: env.apps.reduce((sum, app) => sum + app.cpuSeconds(), 0),
    sim: env.sim.cpuSeconds(),
    backends,
    // the whole Redis server: shared with any other work on this machine (the report says so)
    redis: sumCpu('redis-server'),
  };
}

/** CPU of this database's backends between two readings (a backend opened meanwhile: all of it). */
function backendCpu(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

function cpuOf(pid: number): number {
  try {
    return processCpuSeconds(pid);
  } catch {
    return 0; // exited meanwhile
  }
}

function sumCpu(command: string): number {
  let pids: string[];
  try {
    pids = execFileSync('pgrep', ['-x', command], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return 0;
  }
  return pids.reduce((sum, pid) => sum + cpuOf(Number(pid)), 0);
}

async function dbCounters(env: JourneyBenchEnv): Promise<{ xacts: number; rows: number }> {
  // the statistics are a snapshot per transaction: take a fresh one
  await env.pg.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await env.pg.query(
    `SELECT xact_commit + xact_rollback AS xacts, tup_inserted + tup_updated + tup_deleted AS rows
       FROM pg_stat_database WHERE datname = $1`,
    [env.database],
  );
  return { xacts: Number(rows[0].xacts), rows: Number(rows[0].rows) };
}
