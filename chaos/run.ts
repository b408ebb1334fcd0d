import 'reflect-metadata';
import { randomBytes, randomInt } from 'node:crypto';
import { relative } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ROOT, sleep } from '../bench/support/processes';
import { backlog, check, DeadLetterWatch, Verdict } from './support/checker';
import { Cluster } from './support/cluster';
import { Load } from './support/load';
import { Nemesis } from './support/nemesis';
import { journeyEnds, vipSummary, writeReport } from './support/report';

/**
 * `npm run chaos [-- --minutes N] [-- --seed S] [-- --rate R] [-- --keep]`
 *
 * A soak under many faults at once: the system on its own PostgreSQL and Redis, split into
 * processes, under open-loop load, harmed by a seeded nemesis for N minutes (default 10); then
 * the faults stop, the system drains, and a checker gives one verdict per invariant. Writes
 * chaos/results/<date>-<HHMM>.md and exits 1 when an invariant fails. See chaos/README.md.
 */
const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const MINUTES = Number(arg('--minutes') ?? 10);
const SEED = Number(arg('--seed') ?? randomInt(1, 2 ** 31));
/** Bookings per second. 2 by default: the machine's two cores are shared (see the README). */
const RATE = Number(arg('--rate') ?? 2);
const KEEP = argv.includes('--keep');
/** Load goes on this long after the faults stop, to measure journeys without them. */
const AFTER_MS = Math.min(60_000, Math.max(20_000, MINUTES * 6000));
/** A VIP bundle every 4-6 s: a modest share of the load, each a process of many steps. */
const VIP_EVERY_MS: [number, number] = [4000, 6000];
/** How long the system may take to drain before the checker runs anyway (and fails). */
const DRAIN_LIMIT_MS = 10 * 60_000;

const say = (line: string) => console.log(`[chaos] ${line}`);

async function main(): Promise<number> {
  for (const [name, v] of Object.entries({ MINUTES, SEED, RATE })) {
    if (!Number.isFinite(v) || v <= 0)
      throw new Error(`--${name.toLowerCase()} must be a positive number`);
  }
  const started = new Date();
  const cluster = new Cluster(
    {
      adminToken: randomBytes(24).toString('hex'),
      webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
    },
    SEED,
  );
  // Once, whoever asks first (the end of the run or a signal); the other waits for the same.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await cluster.stop().catch((e) => say(`stopping: ${e}`));
      if (KEEP) say(`kept ${cluster.dir} (logs) and the data directories`);
      else cluster.remove();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().then(() => process.exit(130)));
  }
  try {
    say(`seed ${SEED}, ${MINUTES} min of faults, ${RATE} bookings/s; logs in ${cluster.dir}`);
    await cluster.start();
    const load = new Load(cluster, SEED);
    const hotSeats = Math.round(20 + 12 * MINUTES * (RATE / 4));
    await load.createShows(40, 6, hotSeats);
    await load.prepareTransportation();
    const t0 = Date.now();
    const faultsEnd = t0 + MINUTES * 60_000;
    const loadEnd = faultsEnd + AFTER_MS;
    const nemesis = new Nemesis(cluster, load, SEED, t0, say);
    const deadLetters = new DeadLetterWatch(cluster);
    const progress = setInterval(() => {
      const ok = load.bookings.filter((b) => b.status === 201).length;
      say(
        `+${Math.round((Date.now() - t0) / 1000)}s: ${load.bookings.length} bookings sent, ${ok} answered 201, ${nemesis.faults.length} faults, ${load.refunds.asked.size} refunds, ${load.vipBundles.length} VIP bundles`,
      );
    }, 30_000);
    const watch = (async () => {
      while (Date.now() < loadEnd) {
        await deadLetters.poll();
        await sleep(3000);
      }
    })();
    await Promise.all([
      load.book(RATE, loadEnd),
      load.refund(3000, loadEnd),
      load.replayWebhooks(30_000, 6, loadEnd),
      load.bookVip(VIP_EVERY_MS, loadEnd),
      load.withholdTaxis(t0, loadEnd),
      nemesis.run(faultsEnd).then(async () => {
        await nemesis.calm();
        await cluster.heal();
        say('faults stopped, every process running');
      }),
      watch,
    ]);
    clearInterval(progress);
    await load.settle();
    say('load stopped; draining');
    await nemesis.calm();
    await cluster.heal();

    const db = new Client({ connectionString: cluster.postgresUrl });
    await db.connect();
    const redis = new Redis(`redis://${cluster.redisUrl}`);
    const drainMs = await drain(cluster, db, redis, deadLetters);
    say(drainMs === undefined ? 'never drained' : `drained in ${(drainMs / 1000).toFixed(1)} s`);
    let verdicts: Verdict[];
    try {
      verdicts = await check(cluster, load, db, redis, deadLetters, nemesis.skewed);
    } finally {
      deadLetters.close();
    }
    for (const v of verdicts) {
      say(`${v.pass ? 'PASS' : 'FAIL'} ${v.invariant}: ${v.detail}`);
      for (const e of v.evidence) say(`     ${e}`);
    }
    const ends = await journeyEnds(db);
    const vip = await vipSummary(db, load);
    await db.end();
    redis.disconnect();
    await load.close();
    const file = writeReport(
      {
        seed: SEED,
        minutes: MINUTES,
        rate: RATE,
        started,
        t0,
        faultsEnd,
        loadEnd,
        drainMs,
        faults: nemesis.faults,
        bookings: load.bookings,
        vip,
        restarts: Object.fromEntries(cluster.members.map((m) => [m.name, m.restarts])),
        verdicts,
        command: `npm run chaos -- --minutes ${MINUTES} --seed ${SEED} --rate ${RATE}`,
      },
      ends,
    );
    const failed = verdicts.filter((v) => !v.pass).length;
    say(`report: ${relative(ROOT, file)}`);
    say(failed ? `FAILED: ${failed} invariants (seed ${SEED})` : `passed (seed ${SEED})`);
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }
}

/** Waits until the system is at rest twice in a row; the time it took, or undefined. */
async function drain(
  cluster: Cluster,
  db: Client,
  redis: Redis,
  deadLetters: DeadLetterWatch,
): Promise<number | undefined> {
  const t = Date.now();
  let calm = 0;
  while (Date.now() - t < DRAIN_LIMIT_MS) {
    await deadLetters.poll();
    const rest = await backlog(cluster, db, redis).catch(() => undefined);
    const idle =
      rest && rest.unpublished === 0 && rest.busyGroups.length === 0 && rest.webhooksPending === 0;
    calm = idle ? calm + 1 : 0;
    if (calm >= 2) return Date.now() - t;
    await sleep(2000);
  }
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`chaos failed: ${e?.stack ?? e}\n`);
    process.exit(2);
  },
);
