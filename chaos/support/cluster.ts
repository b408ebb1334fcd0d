import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_NODE_FLAGS } from '../../src/node-flags';
import { OwnPostgres } from '../../test/messaging/own-postgres';
import { OwnRedis } from '../../test/messaging/own-redis';
import { freePort, ROOT, sleep } from '../../bench/support/processes';

/** What every app process and the simulator are told (the secrets are the run's own). */
export interface ClusterSecrets {
  adminToken: string;
  webhookSecret: string;
}

/**
 * One OS process of the system, kept alive like a supervisor would (systemd, Kubernetes): when
 * it dies it is started again, on the same port, after `restartDelayMs`. The nemesis kills and
 * pauses it; the supervisor is not part of the system under test.
 */
export class Member {
  proc?: ChildProcess;
  paused = false;
  restarts = 0;
  private stopping = false;
  restartDelayMs = 1000;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly script: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    private readonly livePath = '/health/live',
    private readonly nodeFlags: string[] = APP_NODE_FLAGS,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    const log = openSync(this.logFile, 'a');
    const proc = spawn(process.execPath, [...this.nodeFlags, join(ROOT, 'dist', this.script)], {
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.proc = proc;
    this.paused = false;
    proc.once('exit', () => {
      if (this.stopping || this.proc !== proc) return;
      setTimeout(() => {
        if (this.stopping || this.proc !== proc) return;
        this.restarts++;
        this.start();
      }, this.restartDelayMs);
    });
  }

  /** Answers `/health/live` (the event loop runs; PostgreSQL or Redis may still be down). */
  async live(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.url}${this.livePath}`, {
          signal: AbortSignal.timeout(2000),
        });
        if (res.ok) return;
      } catch {
        // not yet
      }
      await sleep(200);
    }
    throw new Error(`${this.name} did not come up within ${timeoutMs} ms (log: ${this.logFile})`);
  }

  signal(signal: NodeJS.Signals): boolean {
    if (!this.up) return false;
    this.proc!.kill(signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  }
}

/**
 * The system on infrastructure of its own: a throw-away PostgreSQL cluster and Redis server on
 * free ports (so they may be restarted, their connections killed, Redis wiped), two api, two
 * worker and one relay process, and the gateway simulator, which stands outside the system and is
 * never harmed (it is where exactly-once is counted).
 */
export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'tickets-chaos-'));
  readonly postgres = new OwnPostgres();
  readonly redis = new OwnRedis();
  readonly prefix = 'chaos:';
  members: Member[] = [];
  sim!: Member;

  constructor(
    readonly secrets: ClusterSecrets,
    private readonly seed: number,
  ) {}

  get postgresUrl(): string {
    return this.postgres.url;
  }

  get redisUrl(): string {
    return `127.0.0.1:${this.redis.port}`;
  }

  get apis(): Member[] {
    return this.members.filter((m) => m.name.startsWith('api'));
  }

  /** Every process the nemesis may harm: the system's, not the simulator. */
  get targets(): Member[] {
    return this.members;
  }

  async start(): Promise<void> {
    await this.postgres.init();
    await this.postgres.start();
    await this.redis.start();
    const [simPort, ...ports] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const appEnv = (roles: string): Record<string, string> => ({
      ROLES: roles,
      POSTGRES_URL: this.postgresUrl,
      REDIS_URL: this.redisUrl,
      STREAM_PREFIX: this.prefix,
      GATEWAY_URL: `http://127.0.0.1:${simPort}`,
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '8',
      ADMIN_TOKENS: this.secrets.adminToken,
      DEAD_NATION_WEBHOOK_SECRET: this.secrets.webhookSecret,
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const member = (name: string, port: number, roles: string) =>
      new Member(name, port, 'src/main.js', appEnv(roles), join(this.dir, `${name}.log`));
    this.members = [
      member('api-1', ports[0], 'api'),
      member('api-2', ports[1], 'api'),
      member('worker-1', ports[2], 'worker'),
      member('worker-2', ports[3], 'worker'),
      member('relay', ports[4], 'relay'),
    ];
    // Dead Nation posts its webhooks to api-1 (one address, as a real provider has), and keeps
    // trying for minutes while it is down.
    this.sim = new Member(
      'simulator',
      simPort,
      'simulator/main.js',
      {
        GATEWAY_PORT: String(simPort),
        APP_URL: this.members[0].url,
        DEAD_NATION_WEBHOOK_SECRET: this.secrets.webhookSecret,
        SIM_SEED: String(this.seed),
        // Patient, as a real provider is: on two shared cores a 5 s timeout and quick retries
        // turn an app that is merely slow into one buried under its own webhooks' retries.
        SIM_WEBHOOK_MAX_ATTEMPTS: '1000',
        SIM_WEBHOOK_TIMEOUT_MS: '30000',
        SIM_WEBHOOK_RETRY_MAX_MS: '10000',
        LOG_LEVEL: 'warn',
      },
      join(this.dir, 'simulator.log'),
      '/_sim/health',
      // Not the app's 192 MB heap: the simulator keeps every call and webhook attempt of the
      // run, and a starved simulator would time out the webhooks it sends.
      [],
    );
    this.sim.start();
    await this.sim.live();
    // The first applies the migrations alone; the others find them applied.
    this.members[0].start();
    await this.members[0].live();
    for (const m of this.members.slice(1)) m.start();
    await Promise.all(this.members.map((m) => m.live()));
  }

  /** Everything running again and nothing paused, so the system can drain. */
  async heal(): Promise<void> {
    for (const m of this.members) if (m.paused) m.signal('SIGCONT');
    // One that does not come back is the checker's to find (nothing drains), not a crash here.
    await Promise.all(
      this.members.map((m) => m.live().catch((e: Error) => console.log(e.message))),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.members, this.sim].filter(Boolean).map((m) => m.stop()));
    await this.redis.stop();
    await this.postgres.stop();
  }

  /** The temp directories (data, logs): removed unless the run asked to keep them. */
  remove(): void {
    this.redis.remove();
    this.postgres.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
