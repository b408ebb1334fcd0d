import { Client } from 'pg';
import { runMigrations } from '../../src/platform/database/prepare-infrastructure';

/**
 * Runs `work` against a throw-away, migrated database on the server PG_ADMIN_URL names (default
 * postgres://postgres@127.0.0.1:5432/postgres), and drops it afterwards, whatever happened.
 */
export async function withBenchDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const adminUrl = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `tickets_bench_${process.pid}`;
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    await runMigrations(url.toString());
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}
