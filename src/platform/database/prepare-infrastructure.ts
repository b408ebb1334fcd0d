import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../../migrations';
import { redactUrls } from '../common/redact';
import { AppConfig, redisConnectionUrl } from '../config/app.config';
import { createRedisClient, masters } from '../redis/redis-client';
import { connectWithSlot, slotWaitingPg } from './connection-slots';

export class InfrastructureError extends Error {}

const MIGRATION_LOCK = 7_264_201_600; // any constant shared by every process of this app
/**
 * A starting process has nothing to do until it has a connection: on a PostgreSQL whose
 * max_connections are all taken it waits a minute for one to free (10 s was not enough beside a
 * test run and a bench) before it says it cannot reach the server.
 */
const START_SLOT_WAIT_MS = 60_000;

function describePg(url: string): { address: string; database: string; adminUrl: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return { address: `${u.hostname}:${u.port || 5432}`, database, adminUrl: admin.toString() };
}

/**
 * Before Nest loads: reach PostgreSQL (creating the database if the server lacks it), apply
 * pending migrations under an advisory lock so concurrent starts do not race (or, with
 * MIGRATIONS=off, refuse a schema behind this build), and reach Redis. Any failure becomes one
 * line that says what, where, and how to start it.
 */
export async function prepareInfrastructure(config: AppConfig): Promise<void> {
  await ensureDatabase(config.postgresUrl);
  if (config.migrations) await runMigrations(config.postgresUrl);
  else await refusePendingMigrations(config.postgresUrl);
  await pingRedis(config.redisUrl);
}

const connectTo = (url: string) =>
  connectWithSlot(
    () => new Client({ connectionString: url, connectionTimeoutMillis: 3000 }),
    START_SLOT_WAIT_MS,
  );

/**
 * Connects to the database itself, and only when the server answers 3D000 (no such database)
 * to the `postgres` database to create it: a managed PostgreSQL often grants no access there.
 */
async function ensureDatabase(postgresUrl: string): Promise<void> {
  const { address, database, adminUrl } = describePg(postgresUrl);
  try {
    await (await connectTo(postgresUrl)).end();
    return;
  } catch (e) {
    if (e.code !== '3D000') {
      throw new InfrastructureError(
        `Cannot reach PostgreSQL at ${address} (${e.code ?? e.message}): start it, e.g. "docker compose up -d postgres", or set POSTGRES_URL`,
      );
    }
  }
  let admin: Client;
  try {
    admin = await connectTo(adminUrl);
  } catch (e) {
    throw new InfrastructureError(
      `Database ${database} does not exist at ${address} and the "postgres" database to create it from is out of reach (${e.code ?? e.message}): create it, or set POSTGRES_URL`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (e) {
    if (e.code !== '42P04') throw e; // 42P04: another process created it meanwhile
  } finally {
    await admin.end();
  }
}

/**
 * The DataSource that applies this app's migrations: the app's start-up and the TypeORM CLI
 * (`migrations/data-source.ts`) share it, so both keep one history table and one transaction
 * per migration.
 */
export function migrationDataSource(postgresUrl: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url: postgresUrl,
    migrations,
    migrationsTransactionMode: 'each',
    logging: false,
    driver: slotWaitingPg,
  });
}

export async function runMigrations(postgresUrl: string): Promise<void> {
  const lock = await connectTo(postgresUrl);
  const ds = migrationDataSource(postgresUrl);
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await lock.end(); // ends the session, which releases the advisory lock
  }
}

/**
 * MIGRATIONS=off: the schema is someone else's job, but a build that expects tables or columns
 * the database lacks would fail request by request; one line at start-up says so instead.
 */
async function refusePendingMigrations(postgresUrl: string): Promise<void> {
  const ds = migrationDataSource(postgresUrl);
  try {
    await ds.initialize();
    const applied = new Set(
      (await ds.query(`SELECT name FROM migrations`).catch(() => [])).map(
        (r: { name: string }) => r.name,
      ),
    );
    const pending = migrations
      .map((m) => new m().name ?? m.name)
      .filter((name) => !applied.has(name));
    if (pending.length > 0) {
      throw new InfrastructureError(
        `MIGRATIONS=off and ${pending.length} migration(s) not applied (${pending.join(', ')}): run "npm run migration:run" with a role that may change the schema, or unset MIGRATIONS`,
      );
    }
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

async function pingRedis(redisUrl: string): Promise<void> {
  const redis = createRedisClient(redisConnectionUrl(redisUrl), {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new InfrastructureError(
      `Cannot reach Redis at ${redactUrls(redisUrl)} (${e.code ?? e.message}): start it, e.g. "docker compose up -d redis", or set REDIS_URL`,
    );
  }
  try {
    // Every master of a cluster: each holds a share of the streams.
    for (const node of await masters(redis)) {
      const [, policy] = (await node.config('GET', 'maxmemory-policy')) as string[];
      const warning = evictionWarning(policy);
      if (warning) {
        new Logger('Redis').warn(warning);
        break;
      }
    }
  } catch {
    // CONFIG is often disabled on managed Redis: nothing to check then
  } finally {
    redis.disconnect();
  }
}

/**
 * A Redis that evicts keys under memory pressure drops stream entries and consumer groups: the
 * outbox recovers them, but only by publishing everything again. One line, not a refusal.
 */
export function evictionWarning(policy: string | undefined): string | null {
  if (!policy || policy === 'noeviction') return null;
  return `Redis maxmemory-policy is ${policy}: it may evict stream entries and consumer groups under memory pressure; set maxmemory-policy noeviction (and appendonly yes), see docs/architecture.md`;
}
