import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../../migrations';
import { redactUrls } from '../common/redact';
import { AppConfig, redisConnectionUrl } from '../config/app.config';
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
 * pending migrations under an advisory lock so concurrent starts do not race, and reach Redis.
 * Any failure becomes one line that says what, where, and how to start it.
 */
export async function prepareInfrastructure(config: AppConfig): Promise<void> {
  const { address, database, adminUrl } = describePg(config.postgresUrl);
  let admin: Client;
  try {
    admin = await connectWithSlot(
      () => new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 }),
      START_SLOT_WAIT_MS,
    );
  } catch (e) {
    throw new InfrastructureError(
      `Cannot reach PostgreSQL at ${address} (${e.code ?? e.message}): start it, e.g. "docker compose up -d postgres", or set POSTGRES_URL`,
    );
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      try {
        await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      } catch (e) {
        if (e.code !== '42P04') throw e; // 42P04: another process created it meanwhile
      }
    }
  } finally {
    await admin.end();
  }
  await runMigrations(config.postgresUrl);
  await pingRedis(config.redisUrl);
}

export async function runMigrations(postgresUrl: string): Promise<void> {
  const lock = await connectWithSlot(
    () => new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 }),
    START_SLOT_WAIT_MS,
  );
  const ds = new DataSource({
    type: 'postgres',
    url: postgresUrl,
    migrations,
    logging: false,
    driver: slotWaitingPg,
  });
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await lock.end(); // ends the session, which releases the advisory lock
  }
}

async function pingRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisConnectionUrl(redisUrl), {
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
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const warning = evictionWarning(policy);
    if (warning) new Logger('Redis').warn(warning);
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
