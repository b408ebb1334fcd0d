import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/platform/config/app.config';
import { connectWithSlot } from '../../src/platform/database/connection-slots';
import { AppModuleOptions } from '../../src/app.module';
import { CHILD_ENV, dbPrefix, PG_SLOT_WAIT_MS, redisPrefix, runId } from './test-run';

export const ROOT = join(__dirname, '..', '..');
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * An isolated world for one test file: its own database and its own Redis key prefix, so suites
 * run in parallel beside each other and beside a developer's running app.
 */
export class TestEnv {
  readonly id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  /** Named after the run too, so the global teardown finds what a failed test left. */
  readonly dbName = `${dbPrefix()}${this.id}`;
  readonly prefix = `${redisPrefix()}${this.id}:`;
  readonly env: Record<string, string>;
  private redis?: Redis;
  private pg?: Client;
  private readonly apps: INestApplication[] = [];
  private readonly children: ChildProcess[] = [];

  constructor(overrides: Record<string, string> = {}) {
    this.env = {
      POSTGRES_URL: `postgres://postgres@127.0.0.1:5432/${this.dbName}`,
      REDIS_URL: '127.0.0.1:6379',
      STREAM_PREFIX: this.prefix,
      PORT: '0',
      LOG_LEVEL: 'warn',
      RETRY_INITIAL_MS: '20',
      RETRY_MAX_MS: '100',
      CLAIM_IDLE_MS: '1000',
      RELAY_SWEEP_MS: '200',
      SHUTDOWN_TIMEOUT_MS: '3000',
      DB_POOL_SIZE: '10',
      GATEWAY_URL: 'http://127.0.0.1:1',
      ...overrides,
    };
  }

  config(overrides: Record<string, string> = {}): AppConfig {
    return loadConfig({ ...this.env, ...overrides });
  }

  /** Boots the app in this process (listening on a free port). */
  async start(
    features: AppModuleOptions['features'],
    overrides: Record<string, string> = {},
  ): Promise<{ app: INestApplication; url: string }> {
    const app = await createApp(this.config(overrides), features, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    this.apps.push(app);
    return { app, url: await app.getUrl() };
  }

  /** Runs a compiled entry point (under dist/) as a child process, to crash and restart it. */
  spawn(
    script: string,
    overrides: Record<string, string> = {},
  ): ChildProcess & { output: string[] } {
    const child = spawn(process.execPath, [join(ROOT, 'dist', script)], {
      // The marker lets the global teardown kill it should this process die without closing.
      env: { ...process.env, ...this.env, [CHILD_ENV]: runId(), ...overrides },
      stdio: ['ignore', 'pipe', 'pipe'],
    }) as ChildProcess & { output: string[] };
    child.output = [];
    child.stdout!.on('data', (d) => child.output.push(String(d)));
    child.stderr!.on('data', (d) => child.output.push(String(d)));
    this.children.push(child);
    return child;
  }

  async db(): Promise<Client> {
    if (!this.pg) {
      this.pg = await connectWithSlot(
        () => new Client({ connectionString: this.env.POSTGRES_URL }),
        PG_SLOT_WAIT_MS,
      );
    }
    return this.pg;
  }

  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await (await this.db()).query(sql, params)).rows as T[];
  }

  get redisClient(): Redis {
    this.redis ??= new Redis('redis://127.0.0.1:6379');
    return this.redis;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  async close(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const app of this.apps.splice(0)) await app.close().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    if (this.redis) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(
          cursor,
          'MATCH',
          `${this.prefix}*`,
          'COUNT',
          1000,
        );
        cursor = next;
        if (keys.length) await this.redis.del(...keys);
      } while (cursor !== '0');
      this.redis.disconnect();
    } else {
      const redis = new Redis('redis://127.0.0.1:6379');
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
    const admin = await connectWithSlot(
      () => new Client({ connectionString: PG_ADMIN }),
      PG_SLOT_WAIT_MS,
    );
    await admin.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the exit code (or signal) of a child process. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode) return Promise.resolve(child.signalCode);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
}

/**
 * Waits until a child process prints a line matching `pattern`. A deadline for progress, not a
 * speed claim: a cold start of the app on two cores shared with a bench and other runs (load
 * average 20) printed nothing at all in 30 s, twice in one run; it may also wait for a
 * PostgreSQL connection slot.
 */
export async function printed(
  child: ChildProcess & { output: string[] },
  pattern: RegExp,
  timeoutMs = 90_000,
): Promise<void> {
  await eventually(() => pattern.test(child.output.join('')), {
    timeoutMs,
    what: `output ${pattern} (got: ${child.output.join('').slice(-2000)})`,
  });
}

/** The URL a spawned app or probe process printed when it started listening. */
export async function listeningUrl(child: ChildProcess & { output: string[] }): Promise<string> {
  const pattern = /listening on (http:\/\/[^\s"]+)/;
  await printed(child, pattern);
  return pattern.exec(child.output.join(''))![1];
}
