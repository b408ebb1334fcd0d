import 'reflect-metadata';
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { connectWithSlot } from '../src/platform/database/connection-slots';
import { runMigrations } from '../src/platform/database/prepare-infrastructure';
import { APP_NODE_FLAGS } from '../src/node-flags';
import { loadConfig } from '../src/platform/config/app.config';
import {
  bookingScript,
  pgbench,
  PgbenchResult,
  redisBenchmark,
  showIdSql,
} from './support/ceilings';
import { LoadResult, openLoop, percentiles, Percentiles, postLoad } from './support/load';
import { Child, freePort, machineCpu, ROOT, run, sleep, startNode } from './support/processes';
import { Report, Row, writeReport } from './support/report';
import { journeyStep, JourneyStep, sustained } from './support/journey';
import { LocalCluster } from '../test/fixtures/local-cluster';

/**
 * `npm run bench [-- --quick] [-- --only bookings,scale,pipeline,relay,consumers,journey,journey-cluster,journey-split] [-- --relay-rows N] [-- --rates 10,25]`
 *
 * journey is the whole journey on one process and one Redis; journey-cluster the same on a local
 * Redis Cluster (3 masters + 3 replicas, started and removed by the bench); journey-split the roles
 * over three processes, then with two workers. Same steps, rows side by side in one report.
 *
 * Starts the system against the local PostgreSQL and Redis in a throw-away database and key
 * prefix, measures it beside the ceilings of the same machine measured in the same run, writes
 * bench/results/<date>-<HHMM>.md (+ .svg) and prints the table. See docs/performance.md for the method.
 *
 * BENCH_CPU_PROF=1 runs every app process under `node --cpu-prof` (profiles in bench/results/profiles).
 */
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
const wanted = (section: string) => !only || only.includes(section);
/** --rates 10,25: the journey's booking rates instead of the default steps (an A/B of one rate). */
const rates = argv.includes('--rates')
  ? argv[argv.indexOf('--rates') + 1].split(',').map(Number)
  : undefined;

const T = QUICK
  ? { warmS: 2, runS: 5, levels: [4, 16, 32, 64], pipeS: 6, relayRows: 30_000, messages: 20_000 }
  : {
      warmS: 3,
      runS: 10,
      levels: [1, 4, 16, 32, 64],
      pipeS: 10,
      relayRows: 100_000,
      messages: 100_000,
    };
/**
 * PostgreSQL connections. --quick is the load `npm test` is proven beside (issue 21), and the
 * suite's two jest workers open up to ~70 of the server's 100 connections: so --quick caps each
 * app's pool at 10 (two apps in the scaling run: ~25) and pgbench at 16 clients; the full run
 * keeps the app's default pool and the 32 clients the targets were calibrated with.
 */
const PG = QUICK ? { appPool: '10', clients: 16 } : { appPool: undefined, clients: 32 };
/**
 * Connections the app's consumers may hold at once: its pool less the four it leaves to the API
 * and the relay (src/app-messaging.ts, connectionSlots). BullMQ's same-work peer gets as many.
 */
const CONSUMER_DB_SLOTS = Number(PG.appPool ?? 20) - 4;
/** Messages per shared COMMIT: the app's default CONSUMER_SHARED_COMMIT. */
const SHARED_COMMIT = loadConfig({}).messaging.sharedCommitMessages;
/** `--relay-rows N` overrides the relay drain's pre-filled rows (e.g. 10000). */
if (argv.includes('--relay-rows')) T.relayRows = Number(argv[argv.indexOf('--relay-rows') + 1]);
const SHOWS = 1000;
const PG_ADMIN = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS ?? '127.0.0.1:6379';

const BARE = {
  name: 'framework-free reference: node:http + pg, hand validation, the same statement (bench/probe/bare-booking.js)',
  script: 'bench/probe/bare-booking.js',
};

interface BookingVariant {
  name: string;
  r: LoadResult;
  hwmKb: number;
}

class Bench {
  readonly id = `${process.pid}`;
  readonly database = `tickets_bench_${this.id}`;
  readonly ceilDatabase = `tickets_bench_${this.id}_ceil`;
  readonly prefix = `bench:${this.id}:`;
  readonly url = `postgres://postgres@127.0.0.1:5432/${this.database}`;
  readonly redis = new Redis(`redis://${REDIS_URL}`);
  readonly report: Report = {
    rows: [],
    curve: [],
    notes: QUICK
      ? [
          `--quick: each app's pool is ${PG.appPool} connections and pgbench runs ${PG.clients} clients, to leave PostgreSQL's connections to a test run beside it`,
        ]
      : [],
    quick: QUICK,
    only,
    started: new Date(),
  };
  private pg!: Client;
  private readonly children = new Set<Child>();
  private cluster?: LocalCluster;
  private showIds: string[] = [];
  private bookingPayload = '';
  private maxBookingRps = 0;

  async setup(): Promise<void> {
    await adminQuery(`CREATE DATABASE ${this.database}`);
    await adminQuery(`CREATE DATABASE ${this.ceilDatabase}`);
    await runMigrations(this.url);
    this.pg = await connectWithSlot(() => new Client({ connectionString: this.url }), 120_000);
    // 1,000 shows with seats enough that no run sells one out; the sell-out check adds its own.
    await this.pg.query(
      `INSERT INTO shows (show_id, dead_nation_id, number_of_tickets, start_time, title, venue)
       SELECT ${showIdSql('i')}, gen_random_uuid(), 2000000000, now() + interval '30 days',
              'Show ' || i, 'Venue ' || i FROM generate_series(1, ${SHOWS}) i`,
    );
    await this.pg.query(
      `INSERT INTO show_seats (show_id, capacity) SELECT show_id, number_of_tickets FROM shows`,
    );
    const rows = await this.pg.query<{ id: string }>(
      `SELECT ${showIdSql('i')} AS id FROM generate_series(1, ${SHOWS}) i ORDER BY i`,
    );
    this.showIds = rows.rows.map((r) => r.id);
    this.bookingPayload = JSON.stringify({
      header: {
        id: randomUUID(),
        published_at: new Date().toISOString(),
        idempotency_key: randomUUID(),
      },
      booking_id: randomUUID(),
      show_id: this.showIds[0],
      number_of_tickets: 2,
      customer_email: 'customer123456@example.com',
    });
  }

  appEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      POSTGRES_URL: this.url,
      REDIS_URL,
      STREAM_PREFIX: this.prefix,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      GATEWAY_URL: 'http://127.0.0.1:1',
      ...(PG.appPool ? { DB_POOL_SIZE: PG.appPool } : {}),
      ...extra,
    };
  }

  async start(name: string, script: string, env: Record<string, string>) {
    const nodeArgs = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles']
      : [];
    const port = env.PORT ? Number(env.PORT) : await freePort();
    // The app's V8 flags, as `npm start` runs it.
    const child = startNode(name, script, { ...this.appEnv(env), PORT: String(port) }, [
      ...APP_NODE_FLAGS,
      ...nodeArgs,
    ]);
    this.children.add(child);
    return child.ready(`http://127.0.0.1:${port}`);
  }

  async stop(child: Child): Promise<void> {
    await child.stop();
    this.children.delete(child);
  }

  /** Fresh statistics and a checkpoint, so one run does not pay for the previous one's writes. */
  async settle(): Promise<void> {
    await this.pg.query('VACUUM ANALYZE show_seats, bookings, outbox, events, processed_messages');
    await this.pg.query('CHECKPOINT');
  }

  uniformBody = () => ({
    show_id: this.showIds[randomInt(SHOWS)],
    number_of_tickets: 1 + randomInt(4),
    customer_email: `customer${randomInt(1_000_000)}@example.com`,
  });

  hotBody = () => ({
    show_id: this.showIds[0],
    number_of_tickets: 1,
    customer_email: `customer${randomInt(1_000_000)}@example.com`,
  });

  row(row: Row): void {
    this.report.rows.push(row);
    console.log(`  ${row.figure}: ${row.value}${row.ceiling ? ` (ceiling ${row.ceiling})` : ''}`);
  }

  // ---- 1 + 5: bookings, their ceiling, overbooking, peak RSS -----------------------------------

  async bookings(): Promise<void> {
    console.log('== bookings');
    const app = await this.start('app (api)', 'src/main.js', { ROLES: 'api' });
    const path = '/api/book-tickets';
    const load = (connections: number, body: () => unknown, durationS = T.runS) =>
      postLoad({ urls: [app.url], path, connections, durationS, body, apps: [app] });

    await load(32, this.uniformBody, T.warmS);
    await this.settle();
    const curve: LoadResult[] = [];
    for (const c of T.levels) {
      const r = await load(c, this.uniformBody);
      curve.push(r);
      console.log(`  ${c} conns: ${fmtLoad(r)}`);
    }
    this.report.curve = curve;
    await this.settle();
    const hot = await load(32, this.hotBody);
    console.log(`  hot, 32 conns: ${fmtLoad(hot)}`);
    const hot8 = QUICK ? undefined : await load(8, this.hotBody);
    if (hot8) console.log(`  hot, 8 conns: ${fmtLoad(hot8)}`);
    const memory = app.memory();
    const sellOut = await this.sellOut(app);
    await this.stop(app);
    // The reference of the target: the framework-free server on the same path, same load, same run.
    const bare = await this.bookingVariant(BARE);
    const variants = QUICK ? [] : await this.bookingVariants();

    await this.settle();
    // The app tells the relay after the commit (OutboxNotifier), so its statement has no NOTIFY.
    const script = (hot: boolean, shape: 'statement' | 'transaction' = 'statement') =>
      bookingScript({ hot, shape }, this.bookingPayload);
    // -M prepared (planned once per connection), as the target was calibrated; the app's driver
    // sends an unnamed statement, parsed and planned for every booking: -M extended, a row of its own.
    const bench = (sql: string, clients: number, name: string, mode: 'extended' | 'prepared') =>
      pgbench(this.database, sql, clients, T.runS, name, mode);
    const pgUniform = await bench(script(false), PG.clients, 'uniform', 'prepared');
    await this.settle();
    const pgHot = await bench(script(true), PG.clients, 'hot', 'prepared');
    let pgHot8: PgbenchResult | undefined;
    let pgTransaction: PgbenchResult | undefined;
    let pgExtended: PgbenchResult | undefined;
    if (!QUICK) {
      pgHot8 = await bench(script(true), 8, 'hot8', 'prepared');
      await this.settle();
      pgTransaction = await bench(script(false, 'transaction'), PG.clients, 'tx', 'prepared');
      await this.settle();
      pgExtended = await bench(script(false), PG.clients, 'extended', 'extended');
    }
    const overbooked = await this.overbookedShows();

    const at32 = curve.find((r) => r.connections === 32)!;
    this.maxBookingRps = Math.max(...curve.map((r) => r.rps));
    this.row({
      area: 'Bookings, 1,000 shows',
      figure:
        'POST /api/book-tickets, 32 connections, production settings (trace ids and W3C propagation, request log line, HTTP metrics, CLS context)',
      value: `${int(at32.rps)} req/s; ${p3(at32)}; ${int(at32.cpuPerReqUs)} µs CPU per booking`,
      ceiling: `framework-free server, same statement (bench/probe/bare-booking.js): ${int(bare.r.rps)} req/s, ${int(bare.r.cpuPerReqUs)} µs CPU per booking`,
      ratio: pct(at32.rps / bare.r.rps),
      target: '≥ 65 %, p99 ≤ 50 ms',
      pass: at32.rps / bare.r.rps >= 0.65 && at32.p99 <= 50 && at32.errors === 0,
    });
    this.row({
      area: 'Bookings, 1,000 shows',
      figure: 'same, against the database alone',
      value: `${int(at32.rps)} req/s`,
      ceiling: `pgbench same SQL, ${PG.clients} clients: ${int(pgUniform.tps)} tx/s`,
      ratio: pct(at32.rps / pgUniform.tps),
    });
    for (const r of curve.filter((r) => r.connections !== 32)) {
      this.row({
        area: 'Bookings, 1,000 shows',
        figure: `same, ${r.connections} connection${r.connections > 1 ? 's' : ''}`,
        value: `${int(r.rps)} req/s; ${p3(r)}`,
        ceiling: `${int(pgUniform.tps)} tx/s`,
        ratio: pct(r.rps / pgUniform.tps),
      });
    }
    this.row({
      area: 'Bookings, one hot show',
      figure: 'POST /api/book-tickets, 32 connections',
      value: `${int(hot.rps)} req/s; ${p3(hot)}`,
      ceiling: `pgbench same SQL, one show, ${PG.clients} clients: ${int(pgHot.tps)} tx/s`,
      ratio: pct(hot.rps / pgHot.tps),
      target: '≥ 80 %',
      pass: hot.rps / pgHot.tps >= 0.8 && hot.errors === 0,
    });
    if (hot8 && pgHot8) {
      this.row({
        area: 'Bookings, one hot show',
        figure: 'same, 8 connections',
        value: `${int(hot8.rps)} req/s; ${p3(hot8)}`,
        ceiling: `8 clients: ${int(pgHot8.tps)} tx/s`,
        ratio: pct(hot8.rps / pgHot8.tps),
      });
    }
    if (pgExtended) {
      this.row({
        area: 'Bookings, 1,000 shows',
        figure: `pgbench, the same statement unprepared, as the app's driver sends it (-M extended: parsed and planned for every booking), ${PG.clients} clients`,
        value: `${int(pgExtended.tps)} tx/s`,
        ceiling: `prepared (the ceiling above): ${int(pgUniform.tps)} tx/s`,
        ratio: pct(pgExtended.tps / pgUniform.tps),
      });
      this.row({
        area: 'Bookings, 1,000 shows',
        figure: 'POST /api/book-tickets, 32 connections, against the unprepared ceiling',
        value: `${int(at32.rps)} req/s`,
        ceiling: `${int(pgExtended.tps)} tx/s`,
        ratio: pct(at32.rps / pgExtended.tps),
      });
    }
    if (pgTransaction) {
      this.row({
        area: 'Bookings, 1,000 shows',
        figure: `pgbench, the same writes as four statements in a transaction (the earlier design), ${PG.clients} clients`,
        value: `${int(pgTransaction.tps)} tx/s`,
        ceiling: `one statement: ${int(pgUniform.tps)} tx/s`,
        ratio: pct(pgTransaction.tps / pgUniform.tps),
      });
    }
    this.row({
      area: 'Bookings',
      figure:
        'overbooking: shows with seats_booked ≠ Σ bookings or > capacity; sell-out of 500 seats',
      value: `${overbooked} shows; ${sellOut.booked} seats sold, ${sellOut.created} × 201, ${sellOut.refused} × 400`,
      target: '0; exactly 500',
      pass: overbooked === 0 && sellOut.booked === 500 && sellOut.created === 500,
    });
    for (const v of [...variants, bare]) {
      this.row({
        area: 'Bookings, 1,000 shows',
        figure: `same, 32 connections, ${v.name}`,
        value: `${int(v.r.rps)} req/s; ${p3(v.r)}; ${int(v.r.cpuPerReqUs)} µs CPU per booking; peak RSS ${mb(v.hwmKb)} MB`,
        ceiling: `${int(pgUniform.tps)} tx/s`,
        ratio: pct(v.r.rps / pgUniform.tps),
      });
    }
    this.row({
      area: 'Memory',
      figure: 'app peak RSS (VmHWM) over the booking runs',
      value: `${mb(memory.hwmKb)} MB (now ${mb(memory.rssKb)} MB)`,
      target: '≤ 250 MB',
      pass: memory.hwmKb * 1024 <= 250e6,
    });
    this.row({
      area: 'Bookings',
      figure: 'app CPU per booking at 32 connections',
      value: `${int(at32.cpuPerReqUs)} µs (${at32.appCores.toFixed(2)} cores; machine ${pct(at32.machineBusy)} busy)`,
    });
  }

  /**
   * What the per-request logging and the tracing instrumentation cost: the same load without;
   * and what a framework-free server gets on the same path in the same run.
   */
  async bookingVariants(): Promise<BookingVariant[]> {
    const out: BookingVariant[] = [];
    const variants = [
      { name: 'LOG_LEVEL=warn (no line per request)', script: 'src/main.js' },
      {
        name: 'LOG_LEVEL=warn and no OpenTelemetry at all (bench/probe/bench-app.js)',
        script: 'bench/probe/bench-app.js',
      },
      {
        name: 'the same modules in a plain Nest setup: no tracing, request log, metrics, CLS middleware or body guards (bench/probe/plain-nest.js)',
        script: 'bench/probe/plain-nest.js',
      },
    ];
    for (const v of variants) out.push(await this.bookingVariant(v));
    return out;
  }

  async bookingVariant(v: { name: string; script: string }): Promise<BookingVariant> {
    const app = await this.start(v.name, v.script, {
      ROLES: 'api',
      LOG_LEVEL: 'warn',
      BENCH_OTEL: '0',
    });
    const load = (durationS: number) =>
      postLoad({
        urls: [app.url],
        path: '/api/book-tickets',
        connections: 32,
        durationS,
        body: this.uniformBody,
        apps: [app],
      });
    await load(T.warmS);
    await this.settle();
    const r = await load(T.runS);
    console.log(`  ${v.name}: ${fmtLoad(r)}`);
    const result = { name: v.name, r, hwmKb: app.memory().hwmKb };
    await this.stop(app);
    return result;
  }

  /** 2,000 single-seat bookings at 32 connections on a show with 500 seats. */
  async sellOut(app: Child): Promise<{ booked: number; created: number; refused: number }> {
    const showId = randomUUID();
    await this.pg.query(
      `INSERT INTO shows (show_id, dead_nation_id, number_of_tickets, start_time, title, venue)
       VALUES ($1, gen_random_uuid(), 500, now() + interval '30 days', 'Sell-out', 'Venue')`,
      [showId],
    );
    await this.pg.query(`INSERT INTO show_seats (show_id, capacity) VALUES ($1, 500)`, [showId]);
    const r = await postLoad({
      urls: [app.url],
      path: '/api/book-tickets',
      connections: 32,
      amount: 2000,
      body: () => ({ show_id: showId, number_of_tickets: 1, customer_email: 'late@example.com' }),
      apps: [app],
    });
    const [{ booked }] = (
      await this.pg.query(`SELECT seats_booked AS booked FROM show_seats WHERE show_id = $1`, [
        showId,
      ])
    ).rows;
    return { booked, created: r.statusCodes['201'] ?? 0, refused: r.statusCodes['400'] ?? 0 };
  }

  async overbookedShows(): Promise<number> {
    const { rows } = await this.pg.query(
      `SELECT count(*)::int AS n FROM show_seats s
         LEFT JOIN (SELECT show_id, sum(number_of_tickets) AS sold FROM bookings GROUP BY show_id) b
           USING (show_id)
        WHERE s.seats_booked > s.capacity OR s.seats_booked <> COALESCE(b.sold, 0)`,
    );
    return rows[0].n;
  }

  // ---- 6: two app processes, one database ---------------------------------------------------------

  async scale(): Promise<void> {
    console.log('== two app processes');
    const apps = await Promise.all([
      this.start('app 1 (api)', 'src/main.js', { ROLES: 'api' }),
      this.start('app 2 (api)', 'src/main.js', { ROLES: 'api' }),
    ]);
    const load = (connections: number, urls: string[], durationS = T.runS) =>
      postLoad({
        urls,
        path: '/api/book-tickets',
        connections,
        durationS,
        body: this.uniformBody,
        apps,
      });
    await load(
      32,
      apps.map((a) => a.url),
      T.warmS,
    );
    await this.settle();
    const one = await load(32, [apps[0].url]);
    await this.settle();
    const two = await load(
      32,
      apps.map((a) => a.url),
    );
    console.log(`  one process: ${fmtLoad(one)}\n  two processes: ${fmtLoad(two)}`);
    await Promise.all(apps.map((a) => this.stop(a)));
    this.row({
      area: 'Scaling',
      figure: 'two app processes, one database, 32 connections in all',
      value: `${int(two.rps)} req/s; ${p3(two)}`,
      ceiling: `one process, same sitting: ${int(one.rps)} req/s`,
      ratio: `${(two.rps / one.rps).toFixed(2)}×`,
    });
  }

  // ---- the whole journey: 201 → both tickets receipted and printed in the ops read model ----------

  /**
   * Open-loop bookings of 2 tickets against one process with every role (what `npm start` runs)
   * and the gateway simulator, whose webhooks reach the app: stepped rates until one is not
   * sustained (p99 journey > 1 s or journeys left over after the grace period). The reference
   * of the journey targets; the variants below run the same steps in the same run.
   */
  async journey(): Promise<void> {
    await this.journeyVariant({
      label: 'one process (every role), one Redis',
      roles: ['api,worker,relay'],
      reference: true,
    });
  }

  /**
   * Issue 19: the same journey with Redis Cluster as the transport, a local cluster of three
   * masters and three replicas on this machine (the relay's batches wait for one replica).
   */
  async journeyCluster(): Promise<void> {
    this.cluster = new LocalCluster();
    try {
      await this.cluster.start();
      await this.journeyVariant({
        label: 'one process (every role), Redis Cluster 3 masters + 3 replicas',
        roles: ['api,worker,relay'],
        redisUrl: this.cluster.url,
      });
    } finally {
      await this.cluster.stop();
      this.cluster = undefined;
    }
  }

  /**
   * Issue 17 item 3: the roles split over processes, as a scaled-out deployment runs them: on two
   * cores this measures what the split costs (more processes, more connections), not a gain.
   */
  async journeySplit(): Promise<void> {
    await this.journeyVariant({
      label: 'three processes (api, worker, relay), one Redis',
      roles: ['api', 'worker', 'relay'],
    });
    await this.journeyVariant({
      label: 'four processes (api, 2 × worker, relay), one Redis',
      roles: ['api', 'worker', 'worker', 'relay'],
    });
  }

  private async journeyVariant(v: {
    label: string;
    /** ROLES of each process; the first serves the API (bookings and webhooks go to it). */
    roles: string[];
    redisUrl?: string;
    reference?: boolean;
  }): Promise<void> {
    console.log(`== whole journey: ${v.label}`);
    const appPort = await freePort();
    const { sim, simPort } = await this.freshPipeline(`http://127.0.0.1:${appPort}`);
    const apps: Child[] = [];
    for (const [i, roles] of v.roles.entries()) {
      apps.push(
        await this.start(`app (${roles})`, 'src/main.js', {
          ROLES: roles,
          GATEWAY_URL: `http://127.0.0.1:${simPort}`,
          ...(i === 0 ? { PORT: String(appPort) } : {}),
          ...(v.redisUrl ? { REDIS_URL: v.redisUrl } : {}),
        }),
      );
    }
    const body = () => ({ ...this.uniformBody(), number_of_tickets: 2 });
    const env = {
      pg: this.pg,
      database: this.database,
      apps,
      sim,
      body,
      row: (r: Row) => this.row(r),
    };
    await journeyStep(env, 5, QUICK ? 2 : 5, 30); // warm-up: every route and handler once
    const steps: JourneyStep[] = [];
    for (const rate of rates ?? (QUICK ? [10, 50] : [10, 25, 50, 100, 200, 400])) {
      const step = await journeyStep(env, rate, QUICK ? 6 : 30, 20);
      steps.push(step);
      console.log(
        `  ${rate}/s: ${step.completed} of ${step.booked} journeys, p50/p99 ${ms(step.journey.p50)}/${ms(step.journey.p99)} ms, backlog ${step.backlogAtEnd} → ${step.backlogAfterGrace}`,
      );
      if (!sustained(step)) break;
    }
    for (const app of apps) await this.stop(app);
    await this.stop(sim);
    const redis = v.redisUrl
      ? 'Redis (all six nodes and any other redis-server here)'
      : 'Redis (whole server, shared)';
    for (const s of steps) {
      const light = v.reference && s.rate === 10;
      this.row({
        area: 'Whole journey',
        figure: `${v.label}: ${s.rate} bookings/s of 2 tickets, open loop, ${QUICK ? 6 : 30} s: 201 → both tickets receipted and printed in the ops read model`,
        value:
          `${p3(s.journey)}; ${s.completed} of ${s.booked} done, backlog ${s.backlogAtEnd} when the load stopped, ${s.backlogAfterGrace} after the grace period; ` +
          `booking POST p50/p99 ${ms(s.post.p50)}/${ms(s.post.p99)} ms, ${s.failed} failed`,
        ceiling:
          `CPU per journey: app${apps.length > 1 ? ` (${apps.length} processes)` : ''} ${ms(s.cpuMs.app)} ms, simulator ${ms(s.cpuMs.simulator)} ms, PostgreSQL (this database's backends) ${ms(s.cpuMs.postgres)} ms, ${redis} ${ms(s.cpuMs.redis)} ms; ` +
          `${s.xactsPerJourney.toFixed(0)} transactions and ${s.rowsPerJourney.toFixed(0)} rows written per journey`,
        target: light ? 'p50 ≤ 150 ms, p99 ≤ 400 ms' : undefined,
        pass: light ? s.journey.p50 <= 150 && s.journey.p99 <= 400 && sustained(s) : undefined,
      });
    }
    const best = steps.filter(sustained).pop();
    this.row({
      area: 'Whole journey',
      figure: `${v.label}: highest rate sustained (p99 journey ≤ 1 s, no backlog left)`,
      value: best ? `${best.rate} bookings/s` : 'none of the rates tried',
      target: v.reference ? '≥ 120 bookings/s' : undefined,
      pass: v.reference ? (best?.rate ?? 0) >= 120 : undefined,
    });
  }

  // ---- 3: latency through the pipeline ------------------------------------------------------------

  /** Earlier runs' outbox rows marked published (no relay ran: not this run's work), and a simulator whose webhooks go to `appUrl`. */
  async freshPipeline(appUrl: string): Promise<{ sim: Child; simPort: number }> {
    await this.pg.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`);
    // Nor what earlier sections left in their streams: their groups' backlog (the pipeline
    // section's highest rate leaves thousands of bookings' fan-out) would be this section's
    // first work. Streams and groups go, and the registry of groups with them, so the groups
    // start empty and are not taken for lost (which would publish the outbox again).
    await this.pg.query(`DELETE FROM consumer_groups`);
    await this.deleteKeys();
    await this.settle();
    const simPort = await freePort();
    const sim = startNode('gateway simulator', 'simulator/main.js', {
      GATEWAY_PORT: String(simPort),
      APP_URL: appUrl,
      LOG_LEVEL: 'error',
    });
    this.children.add(sim);
    await waitHttp(`http://127.0.0.1:${simPort}/_sim/config`);
    return { sim, simPort };
  }

  async pipeline(): Promise<void> {
    console.log('== pipeline latency');
    const sink = await webhookSink();
    const { sim, simPort } = await this.freshPipeline(
      `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    );
    const app = await this.start('app (all roles + probe)', 'bench/probe/bench-app.js', {
      ROLES: 'api,worker,relay',
      GATEWAY_URL: `http://127.0.0.1:${simPort}`,
    });
    const maxRps = this.maxBookingRps || 600;
    // Light load: 10 bookings/s, which with the whole fan-out (Dead Nation, the webhook, 1–4
    // tickets each through store, receipt, print, lists and the read model) is 150–250 handler
    // runs/s, the message rate the target was calibrated at (100 events/s, backbone alone).
    const phases = [
      { name: 'light load (10 bookings/s)', rate: 10, connections: 4, target: true },
      { name: 'moderate load (50 bookings/s)', rate: 50, connections: 4, target: false },
      {
        name: `half the maximum booking load (${int(maxRps / 2)} bookings/s)`,
        rate: Math.round(maxRps / 2),
        connections: 32,
        target: false,
      },
    ];
    await this.webhookRoundTrip(app); // warm-up: first requests of every route and handler
    for (const phase of phases) {
      await app.probeStats(true);
      const since = (await this.pg.query(`SELECT clock_timestamp() AS t`)).rows[0].t;
      const prober = this.webhookProber(app);
      const m0 = machineCpu();
      const load = await openLoop({
        url: `${app.url}/api/book-tickets`,
        rate: phase.rate,
        durationS: T.pipeS,
        body: this.uniformBody,
      });
      const m1 = machineCpu();
      const webhook = await prober.stop();
      const expected = load.answered.size + webhook.bookings;
      const deadline = Date.now() + 60_000;
      let stats = await app.probeStats();
      while (stats.bookings.length < expected && Date.now() < deadline) {
        await sleep(200);
        stats = await app.probeStats();
      }
      // Upper bound: from the event's creation, early in the booking's transaction. Lower bound:
      // from the 201's arrival at the client, which the commit precedes.
      const upper = percentiles(stats.bookings.map(([, start, published]) => start - published));
      const lower = percentiles(
        stats.bookings
          .filter(([id]) => load.answered.has(id))
          .map(([id, start]) => start - load.answered.get(id)!),
      );
      const relayLag = await this.relayLag(since);
      const http = percentiles(load.latencies);
      const wh = percentiles(webhook.samples);
      const busy = (m1.busy - m0.busy) / (m1.total - m0.total);
      console.log(
        `  ${phase.name}: ${int(load.rps)} bookings/s, ${load.failed} failed, HTTP ${fmtP(http)}, machine ${pct(busy)}\n` +
          `    event created → handler ${fmtP(upper)}; 201 received → handler ${fmtP(lower)}; relay pick-up ${fmtP(relayLag)}; webhook → read model ${fmtP(wh)}`,
      );
      const light = phase.target;
      this.row({
        area: 'Pipeline latency',
        figure: `commit → handler start, ${phase.name} (machine ${pct(busy)} busy)`,
        value:
          `${p3(upper)} from the event's creation (upper bound); ` +
          `${ms(lower.p50)}/${ms(lower.p95)}/${ms(lower.p99)} ms from the 201 at the client (lower bound); ` +
          `${upper.n} of ${expected} handled`,
        ceiling: `booking POST itself p50/p99 ${ms(http.p50)}/${ms(http.p99)} ms; relay pick-up p50/p99 ${ms(relayLag.p50)}/${ms(relayLag.p99)} ms`,
        target: light ? 'p50 ≤ 5 ms, p99 ≤ 25 ms' : undefined,
        pass: light ? upper.p50 <= 5 && upper.p99 <= 25 && upper.n >= expected : undefined,
      });
      this.row({
        area: 'Pipeline latency',
        figure: `webhook → ops read model shows the ticket, ${phase.name}`,
        value: `${p3(wh)} (${wh.n} webhooks, polled every 2 ms)`,
      });
    }
    await this.stop(app);
    await this.stop(sim);
    await new Promise((r) => sink.close(r));
    await this.backboneLatency();
  }

  /**
   * Commit → handler start through the backbone alone, the setup the target was calibrated on
   * (100 events/s, each committed on its own, one handler): bench/commit-latency.ts.
   */
  async backboneLatency(): Promise<void> {
    const events = QUICK ? 300 : 1000;
    const out = await run(process.execPath, [
      join(ROOT, 'dist', 'bench', 'commit-latency.js'),
      String(events),
    ]);
    const m =
      /(\d+) of (\d+) handled; commit → handler start p50 ([\d.]+) ms, p90 ([\d.]+) ms, p99 ([\d.]+) ms/.exec(
        out,
      );
    if (!m) throw new Error(`commit-latency: no result in\n${out}`);
    const [handled, sent, p50, p90, p99] = m.slice(1).map(Number);
    console.log(`  backbone alone: ${m[0]}`);
    this.row({
      area: 'Pipeline latency',
      figure:
        'commit → handler start, messaging backbone alone: 100 events/s, each committed on its own, one handler (bench/commit-latency.ts)',
      value: `p50/p90/p99 ${ms(p50)}/${ms(p90)}/${ms(p99)} ms; ${handled} of ${sent} handled`,
      target: 'p50 ≤ 5 ms, p99 ≤ 25 ms',
      pass: p50 <= 5 && p99 <= 25 && handled === sent,
    });
  }

  /** Outbox INSERT (created_at) → the relay's claiming transaction (published_at), in ms. */
  async relayLag(since: Date): Promise<Percentiles> {
    const { rows } = await this.pg.query(
      `SELECT EXTRACT(EPOCH FROM published_at - created_at) * 1000 AS ms
         FROM outbox WHERE created_at >= $1 AND published_at IS NOT NULL`,
      [since],
    );
    return percentiles(rows.map((r) => Number(r.ms)));
  }

  /** One booking, wait for its document, then the webhook and the wait for its ticket (ms). */
  async webhookRoundTrip(app: Child): Promise<number> {
    const body = this.uniformBody();
    const booked = await fetch(`${app.url}/api/book-tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const { booking_id } = (await booked.json()) as { booking_id: string };
    // The read model is polled in PostgreSQL, not over HTTP: every 2 ms through the app would
    // be a load of its own (500 requests/s), larger than the light load being measured.
    const inReadModel = async (ticketId?: string) =>
      (
        await this.pg.query(
          `SELECT 1 FROM read_model_ops_bookings
            WHERE booking_id = $1 AND ($2::text IS NULL OR payload -> 'tickets' ? $2)`,
          [booking_id, ticketId ?? null],
        )
      ).rowCount === 1;
    await pollUntil(() => inReadModel(), 30_000, 5);
    const ticket_id = randomUUID();
    const started = performance.now();
    const res = await fetch(`${app.url}/api/tickets-status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        tickets: [
          {
            ticket_id,
            status: 'confirmed',
            customer_email: body.customer_email,
            price: { amount: '50.00', currency: 'EUR' },
            booking_id,
          },
        ],
      }),
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    await pollUntil(() => inReadModel(ticket_id));
    return performance.now() - started;
  }

  webhookProber(app: Child): { stop: () => Promise<{ samples: number[]; bookings: number }> } {
    let running = true;
    const samples: number[] = [];
    const done = (async () => {
      while (running) {
        samples.push(await this.webhookRoundTrip(app));
        await sleep(200); // a sample, not a load
      }
    })();
    return {
      stop: async () => {
        running = false;
        await done;
        return { samples, bookings: samples.length };
      },
    };
  }

  // ---- 2: relay drain, beside the PostgreSQL and Redis ceilings ------------------------------

  async relay(): Promise<void> {
    console.log('== relay');
    const n = T.relayRows;
    await this.pg.query('TRUNCATE outbox RESTART IDENTITY');
    await this.pg.query(
      `INSERT INTO outbox (message_id, destination, name, payload, correlation_id)
       SELECT id, 'events.BenchNoop_v1', 'BenchNoop_v1',
              json_build_object('header', json_build_object('id', id, 'published_at', now(),
                'idempotency_key', id), 'seq', g, 'pad', repeat('x', 200))::text,
              gen_random_uuid()::text
         FROM (SELECT g, gen_random_uuid() AS id FROM generate_series(1, ${n}) g) s`,
    );
    await this.settle();
    const relay = await this.start('relay', 'bench/probe/bench-app.js', {
      ROLES: 'relay',
      BENCH_FEATURES: 'probe',
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const { rows } = await this.pg.query(
        `SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL) AS left`,
      );
      if (!rows[0].left) break;
      await sleep(200);
    }
    await this.stop(relay);
    // published_at is each batch's transaction start: (rows before the last batch) / (first to last start)
    const { rows } = await this.pg.query(
      `WITH b AS (SELECT published_at, count(*) AS n FROM outbox GROUP BY published_at)
       SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int AS unpublished,
              EXTRACT(EPOCH FROM max(published_at) - min(published_at))::float AS seconds,
              (SELECT n FROM b ORDER BY published_at DESC LIMIT 1)::int AS last_batch,
              count(*)::int AS batches
         FROM b`,
    );
    const { unpublished, seconds, last_batch } = rows[0];
    const rate = (n - last_batch) / seconds;
    const streamed = await this.redis.xlen(`${this.prefix}events.BenchNoop_v1`);
    console.log(
      `  ${n} rows in ${seconds.toFixed(2)} s + last batch: ${int(rate)} rows/s; stream ${streamed}; left ${unpublished}`,
    );

    const c = await this.relayCeilings();
    this.row({
      area: 'Relay',
      figure: `drain of ${int(n)} pre-filled outbox rows, one relay process`,
      value: `${int(rate)} rows/s (${streamed} entries streamed, ${unpublished} left)`,
      ceiling: `pgbench single INSERT tx ${int(c.insert.tps)}/s; redis XADD ${int(c.xadd)}/s, pipelined ${int(c.xaddPipelined)}/s`,
      ratio: `${pct(rate / c.xaddPipelined)} of pipelined XADD`,
      target: '≥ 30,000 rows/s',
      pass: rate >= 30_000 && unpublished === 0 && streamed === n,
    });
    this.row({
      area: 'Ceilings (ceilings.sh)',
      figure: 'pgbench booking-shaped tx (1 of 100 shows), 16 clients',
      value: `${int(c.booking.tps)} tx/s, ${c.booking.latencyMs} ms avg`,
    });
  }

  /** What /work/shared/bench/ceilings.sh runs, in a database of its own. */
  async relayCeilings() {
    const db = await connectWithSlot(
      () =>
        new Client({
          connectionString: `postgres://postgres@127.0.0.1:5432/${this.ceilDatabase}`,
        }),
      120_000,
    );
    await db.query(`
      create table shows(k int primary key, id uuid not null, tickets int not null, booked int not null default 0);
      create table bookings(id uuid primary key, show_id uuid not null, n int not null, email text not null);
      create table outbox(id bigserial primary key, topic text not null, payload jsonb not null, created_at timestamptz default now());
      insert into shows select g, gen_random_uuid(), 100000000 from generate_series(1,100) g;`);
    await db.end();
    const booking = await pgbench(
      this.ceilDatabase,
      `\\set s random(1, 100)
BEGIN;
UPDATE shows SET booked = booked + 1 WHERE k = :s AND booked + 1 <= tickets;
INSERT INTO bookings VALUES (gen_random_uuid(), (SELECT id FROM shows WHERE k = :s), 1, 'a@b.c');
INSERT INTO outbox(topic, payload) VALUES ('BookingMade_v1', '{"booking_id":"x","number_of_tickets":1,"customer_email":"a@b.c"}');
COMMIT;
`,
      16,
      T.runS,
      'ceil-booking',
      'simple',
    );
    const insert = await pgbench(
      this.ceilDatabase,
      `INSERT INTO outbox(topic, payload) VALUES ('t', '{}');\n`,
      16,
      T.runS,
      'ceil-insert',
      'simple',
    );
    const payload = '0123456789012345678901234567890123456789';
    const xadd = await redisBenchmark([
      '-n',
      QUICK ? '100000' : '200000',
      '-c',
      '50',
      'XADD',
      `${this.prefix}rb:stream`,
      '*',
      'payload',
      payload,
    ]);
    const xaddPipelined = await redisBenchmark([
      '-n',
      QUICK ? '200000' : '500000',
      '-c',
      '50',
      '-P',
      '16',
      'XADD',
      `${this.prefix}rb:stream2`,
      '*',
      'payload',
      payload,
    ]);
    await this.redis.del(`${this.prefix}rb:stream`, `${this.prefix}rb:stream2`);
    console.log(
      `  ceilings: booking ${int(booking.tps)} tx/s, insert ${int(insert.tps)} tx/s, XADD ${int(xadd)}/s, pipelined ${int(xaddPipelined)}/s`,
    );
    return { booking, insert, xadd, xaddPipelined };
  }

  // ---- 4: one consumer group vs BullMQ --------------------------------------------------------

  async consumers(): Promise<void> {
    console.log('== consumers');
    const stream = `${this.prefix}events.BenchNoop_v1`;
    let n = await this.redis.xlen(stream);
    if (n === 0) {
      // Run on its own (--only consumers): fill the stream the way the relay does.
      n = T.messages;
      for (let i = 0; i < n; i += 1000) {
        const p = this.redis.pipeline();
        for (let j = i; j < Math.min(n, i + 1000); j++) {
          const id = randomUUID();
          const payload = JSON.stringify({
            header: { id, published_at: new Date().toISOString(), idempotency_key: id },
            seq: j,
            pad: 'x'.repeat(200),
          });
          p.xadd(
            stream,
            '*',
            'name',
            'BenchNoop_v1',
            'payload',
            payload,
            'message_id',
            id,
            'correlation_id',
            randomUUID(),
          );
        }
        await p.exec();
      }
    }
    const batch = await this.consume(stream, 'batch', n);
    const singleN = Math.min(n, QUICK ? 10_000 : 30_000);
    const single = await this.consume(stream, 'single', singleN);
    const bull = await this.bullmq(n);
    console.log(
      `  bullmq concurrency 50: ${n} in ${bull.seconds.toFixed(2)} s = ${int(bull.rate)}/s`,
    );
    const peer = await this.bullmq(singleN, true);
    console.log(
      `  bullmq concurrency 32 + dedupe row: ${singleN} in ${peer.seconds.toFixed(2)} s = ${int(peer.rate)}/s; dedupe rows ${peer.deduped}`,
    );
    // What bounds the one-by-one row: the same transactions with no Redis and no framework.
    const floors = [];
    for (const trips of [3, 2, 1] as const) {
      const f = await this.pgFloor(singleN, trips);
      floors.push(`${trips}: ${int(f.rate)}/s`);
      console.log(`  PostgreSQL alone, ${trips} round trip(s) per transaction: ${int(f.rate)}/s`);
    }
    const shared = await this.pgSharedFloor(singleN);
    floors.push(`1 with ${SHARED_COMMIT} sharing a COMMIT: ${int(shared.rate)}/s`);
    console.log(`  PostgreSQL alone, ${SHARED_COMMIT} messages per COMMIT: ${int(shared.rate)}/s`);
    this.row({
      area: 'Consumers',
      figure: `one consumer group, no-op handler on the batch path (database-only handlers), dedupe included, ${int(n)} messages`,
      value: `${int(batch.rate)} msgs/s (${batch.deduped} dedupe rows)`,
      ceiling: `BullMQ 6.7 worker, concurrency 50, empty processor: ${int(bull.rate)} jobs/s`,
      ratio: `${(batch.rate / bull.rate).toFixed(2)}×`,
      target: '≥ 2× BullMQ',
      pass: batch.done && batch.rate >= 2 * bull.rate && batch.deduped === n,
    });
    this.row({
      area: 'Consumers',
      figure: `same on the one-by-one path (the dedupe record in the handler's transaction), ${int(singleN)} messages`,
      value: `${int(single.rate)} msgs/s (${single.deduped} dedupe rows)`,
      ceiling: `BullMQ doing the same work: worker at concurrency 32 inserting the dedupe row in its own PostgreSQL transaction, pool of ${CONSUMER_DB_SLOTS} (the connections the app's consumers may hold): ${int(peer.rate)} jobs/s (${peer.deduped} rows); ${int(peer.cpuUs)} µs CPU per job against ${int(single.cpuUs)} µs per message`,
      ratio: `${(single.rate / peer.rate).toFixed(2)}×`,
      target: '≥ 1.5× BullMQ same work',
      pass:
        single.done &&
        single.rate >= 1.5 * peer.rate &&
        single.deduped === singleN &&
        peer.deduped === singleN,
    });
    this.row({
      area: 'Consumers',
      figure: `what bounds the one-by-one row: the dedupe transaction alone (no Redis, no framework), ${int(singleN)} of them by 32 concurrent tasks on ${CONSUMER_DB_SLOTS} connections, by round trips per transaction (3 = BullMQ's BEGIN / INSERT / COMMIT, 2 = START+INSERT / COMMIT, the consumer when no other message waits, 1 = all in one); and one round trip per message with ${SHARED_COMMIT} messages per COMMIT, each in a savepoint (what the consumer sends while others wait: CONSUMER_SHARED_COMMIT)`,
      value: floors.join(', '),
      ceiling: `one-by-one path ${int(single.rate)} msgs/s, BullMQ same work ${int(peer.rate)} jobs/s`,
      ratio: `1.5× the peer needs ${int(1.5 * peer.rate)}/s`,
    });
  }

  /**
   * A pool of CONSUMER_DB_SLOTS connections to the bench database. An error on an idle one (the
   * teardown's DROP DATABASE … WITH (FORCE) ending a connection not yet closed) is not a result:
   * unhandled, it crashed a run before it wrote its report.
   */
  pool(): Pool {
    const pool = new Pool({ connectionString: this.url, max: CONSUMER_DB_SLOTS });
    pool.on('error', () => undefined);
    return pool;
  }

  /**
   * The PostgreSQL work of one dedupe transaction per message and nothing else: 32 tasks share a
   * pool of CONSUMER_DB_SLOTS connections, as the consumer's tasks share its connection slots.
   * 3 round trips: BEGIN, INSERT (parameters), COMMIT, as BullMQ's peer; 2: START TRANSACTION
   * with the INSERT in one simple query, then COMMIT, as the consumer when no other message waits
   * for a slot (beginWith); 1: all three in one query, the least any design with a transaction
   * per message can send. While others wait the consumer shares COMMITs instead (pgSharedFloor).
   */
  async pgFloor(n: number, trips: 1 | 2 | 3): Promise<{ rate: number }> {
    const pool = this.pool();
    const handler = `pg_floor_${trips}`;
    const insert = (id: string) =>
      `INSERT INTO processed_messages (handler, message_id) VALUES ('${handler}', '${id}')
       ON CONFLICT DO NOTHING RETURNING 1`;
    const one = async (id: string) => {
      const client = await pool.connect();
      try {
        if (trips === 3) {
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO processed_messages (handler, message_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING RETURNING 1`,
            [handler, id],
          );
          await client.query('COMMIT');
        } else if (trips === 2) {
          await client.query(`START TRANSACTION; ${insert(id)}`);
          await client.query('COMMIT');
        } else {
          await client.query(`START TRANSACTION; ${insert(id)}; COMMIT`);
        }
      } finally {
        client.release();
      }
    };
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < n) {
          next++;
          await one(randomUUID());
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await pool.end();
    return { rate: n / seconds };
  }

  /**
   * The one-by-one path's PostgreSQL work while messages wait for a slot, with nothing else: on
   * each of CONSUMER_DB_SLOTS connections, transactions of SHARED_COMMIT messages, the first
   * begun with its record (START TRANSACTION; INSERT), each further one in a savepoint
   * (SAVEPOINT; INSERT), the last committing with the next transaction's start: one round trip
   * per message, one COMMIT per SHARED_COMMIT of them.
   */
  async pgSharedFloor(n: number): Promise<{ rate: number }> {
    const pool = this.pool();
    const insert = () =>
      `INSERT INTO processed_messages (handler, message_id) VALUES ('pg_floor_shared', '${randomUUID()}')
       ON CONFLICT DO NOTHING RETURNING 1`;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONSUMER_DB_SLOTS }, async () => {
        const client = await pool.connect();
        let members = 0;
        try {
          while (next < n) {
            next++;
            if (members === 0) await client.query(`START TRANSACTION; ${insert()}`);
            else if (members < SHARED_COMMIT)
              await client.query(`SAVEPOINT s${members}; ${insert()}`);
            else {
              await client.query(`COMMIT; START TRANSACTION; ${insert()}`);
              members = 0;
            }
            members++;
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await pool.end();
    return { rate: n / seconds };
  }

  /**
   * A consumer process with one no-op handler reads the last `n` entries of the stream: its
   * group is created just before them. Timed from the first handler start to nothing pending.
   */
  async consume(stream: string, mode: 'batch' | 'single', n: number) {
    const handler = `bench_noop_${mode}`;
    const group = `tickets.${handler}`;
    const before = await this.redis.xrevrange(stream, '+', '-', 'COUNT', n + 1);
    const startId = before.length > n ? before[n][0] : '0';
    await this.redis.xgroup('CREATE', stream, group, startId);
    await this.settle();
    const worker = await this.start(`consumer (${mode})`, 'bench/probe/bench-app.js', {
      ROLES: 'worker',
      BENCH_FEATURES: 'probe',
      BENCH_NOOP: mode,
    });
    const cpuBefore = worker.cpuSeconds();
    const deadline = Date.now() + 300_000;
    let finished = 0;
    while (Date.now() < deadline) {
      const [pending] = (await this.redis.xpending(stream, group)) as [number];
      const stats = await worker.probeStats();
      if (stats.noop.count >= n && pending === 0) {
        finished = Date.now();
        break;
      }
      await sleep(20);
    }
    const stats = await worker.probeStats();
    // start-up's share (connections, groups) is spread over the messages: a few µs each
    const cpuUs = ((worker.cpuSeconds() - cpuBefore) * 1e6) / n;
    await this.stop(worker);
    const seconds = (finished - stats.noop.first) / 1000;
    const { rows } = await this.pg.query(
      `SELECT count(*)::int AS n FROM processed_messages WHERE handler = $1`,
      [handler],
    );
    console.log(
      `  ${mode}: ${n} in ${seconds.toFixed(2)} s = ${int(n / seconds)}/s; dedupe rows ${rows[0].n}; ${int(cpuUs)} µs CPU each`,
    );
    return { rate: n / seconds, deduped: rows[0].n as number, done: finished > 0, cpuUs };
  }

  /**
   * BullMQ on the same Redis. Empty: concurrency 50, a processor that does nothing. With
   * `sameWork`, what our one-by-one path does per message: concurrency 32, and a processor that
   * inserts the message's dedupe row in its own PostgreSQL transaction (BEGIN, INSERT … ON
   * CONFLICT DO NOTHING, COMMIT) on a pool of as many connections as the app's consumers may
   * hold (CONSUMER_DB_SLOTS): the same work with the same database resources.
   */
  async bullmq(
    n: number,
    sameWork = false,
  ): Promise<{ rate: number; seconds: number; deduped: number; cpuUs: number }> {
    const connection = {
      host: '127.0.0.1',
      port: Number(REDIS_URL.split(':')[1] ?? 6379),
      maxRetriesPerRequest: null,
    };
    const prefix = `${this.prefix}bull`;
    const queue = new Queue('bench', { connection, prefix });
    const payload = { pad: 'x'.repeat(200) };
    for (let i = 0; i < n; i += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
          name: 'BenchNoop_v1',
          data: { ...payload, seq: i + j, message_id: randomUUID() },
          opts: { removeOnComplete: true, removeOnFail: true },
        })),
      );
    }
    const handler = 'bullmq_same_work';
    const pool = sameWork ? this.pool() : undefined;
    const dedupe = async (job: { data: { message_id: string } }) => {
      const client = await pool!.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO processed_messages (handler, message_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING 1`,
          [handler, job.data.message_id],
        );
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    };
    let done = 0;
    // this process runs nothing else meanwhile: its CPU is the worker's
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const worker = new Worker('bench', sameWork ? dedupe : async () => undefined, {
      connection,
      prefix,
      concurrency: sameWork ? 32 : 50,
    });
    await new Promise<void>((resolve) => worker.on('completed', () => ++done === n && resolve()));
    const seconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    let deduped = 0;
    if (pool) {
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM processed_messages WHERE handler = $1',
        [handler],
      );
      deduped = rows[0].n;
      await pool.end();
    }
    return { rate: n / seconds, seconds, deduped, cpuUs: (cpu.user + cpu.system) / n };
  }

  // ---- teardown -----------------------------------------------------------------------------

  /** Every key of this run's prefix on the main Redis. */
  async deleteKeys(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await this.redis.del(...keys);
    } while (cursor !== '0');
  }

  async teardown(): Promise<void> {
    for (const child of this.children) await child.stop().catch(() => undefined);
    await this.cluster?.stop().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    await this.deleteKeys();
    this.redis.disconnect();
    await adminQuery(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    await adminQuery(`DROP DATABASE IF EXISTS ${this.ceilDatabase} WITH (FORCE)`);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const admin = await connectWithSlot(() => new Client({ connectionString: PG_ADMIN }), 120_000);
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Dead Nation's webhooks for the load's bookings land here, so only the probe's reach the app. */
async function webhookSink(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

async function waitHttp(url: string, timeoutMs = 90_000): Promise<void> {
  await pollUntil(
    async () => {
      try {
        await fetch(url);
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    50,
  );
}

async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 2,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out polling');
    await sleep(everyMs);
  }
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const ms = (x: number) =>
  Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : String(Math.round(x))) : '–';
const pct = (x: number) => `${Math.round(x * 100)} %`;
const mb = (kb: number) => Math.round((kb * 1024) / 1e6);
/** "p50/p95/p99 a/b/c ms" */
const p3 = (p: Percentiles) => `p50/p95/p99 ${ms(p.p50)}/${ms(p.p95)}/${ms(p.p99)} ms`;
const fmtP = (p: Percentiles) => `${p3(p)} (n=${p.n})`;
const fmtLoad = (r: LoadResult) =>
  `${int(r.rps)} req/s, ${fmtP(r)}, non-2xx ${r.non2xx}, errors ${r.errors}, app ${r.appCores.toFixed(2)} cores, machine ${pct(r.machineBusy)}`;

async function main(): Promise<void> {
  const bench = new Bench();
  const interrupt = () => void bench.teardown().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await bench.setup();
    if (wanted('bookings')) await bench.bookings();
    if (wanted('scale')) await bench.scale();
    if (wanted('pipeline')) await bench.pipeline();
    if (wanted('relay')) await bench.relay();
    if (wanted('consumers')) await bench.consumers();
    if (wanted('journey')) await bench.journey();
    if (wanted('journey-cluster')) await bench.journeyCluster();
    if (wanted('journey-split')) await bench.journeySplit();
  } finally {
    await bench.teardown();
  }
  const { markdown, file } = await writeReport(bench.report);
  console.log(`\n${markdown}\nwritten to ${file}`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
