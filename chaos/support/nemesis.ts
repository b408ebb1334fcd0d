import { Client } from 'pg';
import { sleep } from '../../bench/support/processes';
import { Cluster } from './cluster';
import { Load } from './load';
import { Rng } from './rng';

/** One fault, as the report lists it: times are ms since the run started. */
export interface FaultRecord {
  at: number;
  /** When the harm was over: the process back, the server up again, the burst ended. */
  end: number;
  kind: string;
  target: string;
  detail: string;
}

const PROCESS_FAULTS = {
  kill: 4,
  pause: 2,
  'pg-restart': 1,
  'pg-terminate': 2,
  'redis-wipe': 1,
} as const;

const GATEWAY_SERVICES = ['all', 'dead-nation', 'receipts', 'payments', 'files', 'spreadsheets'];

/**
 * The nemesis: two seeded streams of faults, one on processes and infrastructure (SIGKILL,
 * SIGSTOP/SIGCONT, PostgreSQL restarted or its connections killed, Redis restarted empty), one on
 * the gateway (5xx, timeouts, latency in bursts; a clock-skewed webhook). Each stream draws its
 * choices from its own generator, so a seed repeats the same sequence of faults.
 */
export class Nemesis {
  readonly faults: FaultRecord[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly load: Load,
    private readonly seed: number,
    private readonly t0: number,
    private readonly log: (line: string) => void,
  ) {}

  async run(untilMs: number): Promise<void> {
    await Promise.all([this.processStream(untilMs), this.gatewayStream(untilMs)]);
  }

  private now(): number {
    return Date.now() - this.t0;
  }

  private record(f: Omit<FaultRecord, 'end'>): FaultRecord {
    const fault = { ...f, end: f.at };
    this.faults.push(fault);
    this.log(`+${(f.at / 1000).toFixed(1)}s ${f.kind} ${f.target} ${f.detail}`);
    return fault;
  }

  private async processStream(untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 13 + 1);
    await sleep(rng.int(3000, 6000));
    while (Date.now() < untilMs) {
      const kind = rng.weighted(PROCESS_FAULTS);
      await this.processFault(kind, rng).catch((e: Error) => this.log(`${kind}: ${e.message}`));
      await sleep(rng.int(2000, 8000));
    }
  }

  private async processFault(kind: keyof typeof PROCESS_FAULTS, rng: Rng): Promise<void> {
    const { cluster } = this;
    const at = this.now();
    if (kind === 'kill') {
      const m = rng.pick(cluster.targets);
      m.restartDelayMs = rng.int(200, 3000);
      const f = this.record({
        at,
        kind,
        target: m.name,
        detail: `restarted after ${m.restartDelayMs} ms`,
      });
      m.signal('SIGKILL');
      await sleep(m.restartDelayMs);
      // Its start-up takes long on two shared cores: the next fault need not wait for it.
      void m.live().then(
        () => (f.end = this.now()),
        () => undefined,
      );
    } else if (kind === 'pause') {
      const m = rng.pick(cluster.targets);
      const ms = rng.int(6000, 15_000); // beyond CLAIM_IDLE_MS (5 s): its claims are taken over
      const f = this.record({ at, kind, target: m.name, detail: `SIGSTOP for ${ms} ms` });
      m.signal('SIGSTOP');
      await sleep(ms);
      m.signal('SIGCONT');
      f.end = this.now();
    } else if (kind === 'pg-restart') {
      const ms = rng.int(1000, 8000);
      const f = this.record({
        at,
        kind,
        target: 'postgresql',
        detail: `down ${ms} ms (immediate stop)`,
      });
      await cluster.postgres.stop();
      await sleep(ms);
      await cluster.postgres.start();
      f.end = this.now();
    } else if (kind === 'pg-terminate') {
      const n = await this.terminateBackends().catch((e: Error) => `failed: ${e.message}`);
      this.record({ at, kind, target: 'postgresql', detail: `${n} connections terminated` });
    } else {
      const ms = rng.int(500, 3000);
      const f = this.record({
        at,
        kind,
        target: 'redis',
        detail: `restarted empty after ${ms} ms`,
      });
      await cluster.redis.stop();
      await sleep(ms);
      await cluster.redis.start();
      f.end = this.now();
    }
  }

  /** pg_terminate_backend on every connection of the app's database. */
  private async terminateBackends(): Promise<number> {
    const url = new URL(this.cluster.postgresUrl);
    const database = url.pathname.slice(1);
    url.pathname = '/postgres';
    const admin = new Client({ connectionString: url.toString() });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      return rows[0].n;
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  private async gatewayStream(untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 13 + 2);
    await sleep(rng.int(2000, 8000));
    while (Date.now() < untilMs) {
      await (rng.chance(0.2) ? this.skew(rng) : this.burst(rng)).catch((e: Error) =>
        this.log(`gateway: ${e.message}`),
      );
      await sleep(rng.int(3000, 12_000));
    }
  }

  private async burst(rng: Rng): Promise<void> {
    const service = rng.pick(GATEWAY_SERVICES);
    const mode = rng.pick(['5xx', 'timeouts', 'latency'] as const);
    const afterEffect = rng.chance(0.5);
    const faults =
      mode === '5xx'
        ? { error_rate: round(rng.float(0.2, 0.6)), after_effect: afterEffect }
        : mode === 'timeouts'
          ? { timeout_rate: round(rng.float(0.1, 0.4)), after_effect: afterEffect }
          : { latency_ms: rng.int(500, 4000) };
    const ms = rng.int(5000, 20_000);
    const f = this.record({
      at: this.now(),
      kind: `gateway-${mode}`,
      target: service,
      detail: `${JSON.stringify(faults)} for ${ms} ms`,
    });
    await this.simConfig({ timeout_hold_ms: 8000, faults: { [service]: faults } });
    await sleep(ms);
    await this.calm();
    f.end = this.now();
  }

  /** A delivered webhook again, its timestamp minutes off: the app must refuse it (401). */
  private async skew(rng: Rng): Promise<void> {
    const minutes = rng.int(6, 60) * (rng.chance(0.5) ? -1 : 1);
    const status = await this.load.skewedWebhook(minutes * 60_000, rng);
    this.record({
      at: this.now(),
      kind: 'webhook-skew',
      target: 'api-1',
      detail: `timestamp ${minutes > 0 ? '+' : ''}${minutes} min: answered ${status ?? 'not sent (none delivered yet)'}`,
    });
    this.skewed.push(status);
  }

  /** Statuses the skewed webhooks got (undefined: none was sent). */
  readonly skewed: Array<number | undefined> = [];

  /** Every gateway fault off. */
  async calm(): Promise<void> {
    await this.simConfig({
      faults: {
        all: { error_rate: 0, timeout_rate: 0, latency_ms: 0, after_effect: false },
      },
    });
  }

  private async simConfig(patch: unknown): Promise<void> {
    const res = await fetch(`${this.cluster.sim.url}/_sim/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(patch),
    });
    if (!res.ok) throw new Error(`POST /_sim/config: ${res.status} ${await res.text()}`);
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
