import { Client } from 'pg';
import request from 'supertest';
import { exited, printed, TestEnv } from '../support/test-env';

const MAIN = 'src/main.js';

/** Runs the real entry point and returns its exit code and everything it printed. */
async function runMain(env: TestEnv, overrides: Record<string, string>) {
  const child = env.spawn(MAIN, overrides);
  const code = await exited(child);
  return { code, output: child.output.join('').trim() };
}

describe('start-up', () => {
  const env = new TestEnv();
  afterAll(() => env.close());

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT: .*"eighty"/],
    [{ REDIS_URL: 'nonsense url' }, /^Invalid configuration: REDIS_URL/],
    [{ ROLES: 'api,chef' }, /^Invalid configuration: ROLES/],
    [{ POSTGRES_URL: 'mysql://localhost/x' }, /^Invalid configuration: POSTGRES_URL/],
  ])('stops with one line naming the variable for %j', async (overrides, line) => {
    const { code, output } = await runMain(env, overrides);
    expect(code).toBe(1);
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(line);
  });

  it('says PostgreSQL cannot be reached, where, and how to start it', async () => {
    const { code, output } = await runMain(env, {
      POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/tickets',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/^Cannot reach PostgreSQL at 127\.0\.0\.1:1 .*docker compose up -d/);
    expect(output.split('\n')).toHaveLength(1);
  });

  it('says Redis cannot be reached, where, and how to start it', async () => {
    const { code, output } = await runMain(env, { REDIS_URL: '127.0.0.1:1' });
    expect(code).toBe(1);
    expect(output).toMatch(/^Cannot reach Redis at 127\.0\.0\.1:1 .*docker compose up -d/);
    expect(output.split('\n')).toHaveLength(1);
  });

  it('creates a missing database, migrates it, and serves /health', async () => {
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    const fresh = `${env.dbName}_fresh`;
    const url = `postgres://postgres@127.0.0.1:5432/${fresh}`;
    try {
      const before = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [fresh]);
      expect(before.rowCount).toBe(0);

      const child = env.spawn(MAIN, { POSTGRES_URL: url });
      await printed(child, /listening on http:\/\/[\d.]+:(\d+)/);
      const port = /listening on http:\/\/[\d.]+:(\d+)/.exec(child.output.join(''))![1];
      await request(`http://127.0.0.1:${port}`).get('/health').expect(200);
      // the new database itself holds the migrated tables
      const db = new Client({ connectionString: url });
      await db.connect();
      const tables = await db
        .query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
        .finally(() => db.end());
      expect(tables.rows.map((t) => t.tablename)).toEqual(
        expect.arrayContaining([
          'outbox',
          'events',
          'processed_messages',
          'bookings',
          'vip_bundles',
        ]),
      );
      child.kill('SIGTERM');
      const code = await exited(child);
      if (code !== 0) console.log(child.output.join(''));
      expect(code).toBe(0);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${fresh}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it('serves /health but no business routes in a process without the api role', async () => {
    const child = env.spawn(MAIN, { ROLES: 'worker' });
    await printed(child, /listening on http:\/\/[\d.]+:(\d+)/);
    const port = /listening on http:\/\/[\d.]+:(\d+)/.exec(child.output.join(''))![1];
    const health = await request(`http://127.0.0.1:${port}`).get('/health').expect(200);
    expect(health.body.info.relay).toEqual({ status: 'up' }); // no relay role: nothing to check
    await request(`http://127.0.0.1:${port}`).get('/api/tickets').expect(404);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});
