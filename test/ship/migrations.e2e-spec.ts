import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { createApp } from '../../src/bootstrap';
import { featureModules } from '../../src/features';
import { migrations } from '../../migrations';
import { createShow } from '../flows/support';
import { eventually, ROOT, TestEnv } from '../support/test-env';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const timestampOf = (name: string) => Number(/\d+$/.exec(name)![0]);
/** In the order TypeORM applies them: by timestamp. */
const migrationNames = migrations
  .map((m) => new m().name)
  .sort((a, b) => timestampOf(a) - timestampOf(b));

async function sql(url: string, statement: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/** `npm run <script>` from the repository's root against POSTGRES_URL, as a developer runs it. */
function npmRun(script: string, postgresUrl: string): { status: number | null; output: string } {
  const r = spawnSync('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { ...process.env, POSTGRES_URL: postgresUrl },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('migrations/', () => {
  it('lists every migration file in migrations/index.ts (npm run migration:create adds a file, not the entry)', () => {
    const files = readdirSync(join(ROOT, 'migrations')).filter((f) => /^\d+-.+\.ts$/.test(f));
    const listed = migrationNames.map((n) => String(timestampOf(n)));
    expect(files.length).toBeGreaterThan(0);
    expect(listed).toEqual(expect.arrayContaining(files.map((f) => f.split('-')[0])));
  });
});

/**
 * docker/postgres/roles.psql, as compose's PostgreSQL runs it on its first start: the owner role
 * migrates through the TypeORM CLI; the app runs as a role that reads and writes rows only.
 */
// Small pools, each app closed at the end of its test: PostgreSQL's 100 connections are shared
// with every suite and benchmark running beside this one.
const SMALL_POOL = { DB_POOL_SIZE: '3' };

describe('least privilege: the owner migrates with the TypeORM CLI, the app only reads and writes rows', () => {
  const env = new TestEnv(SMALL_POOL);
  const owner = `${env.dbName}_owner`;
  const appRole = `${env.dbName}_app`;
  const url = (role: string) => `postgres://${role}:secret-${role}@127.0.0.1:5432/${env.dbName}`;

  beforeAll(async () => {
    await sql(ADMIN, `CREATE DATABASE "${env.dbName}"`);
    const psql = spawnSync(
      'psql',
      [
        '--no-psqlrc',
        '-q',
        ...['-h', '127.0.0.1', '-U', 'postgres', '-d', env.dbName],
        ...['-v', `db=${env.dbName}`, '-v', `owner=${owner}`, '-v', `app=${appRole}`],
        ...['-v', `owner_password=secret-${owner}`, '-v', `app_password=secret-${appRole}`],
        ...['-f', join(ROOT, 'docker/postgres/roles.psql')],
      ],
      { encoding: 'utf8' },
    );
    expect(psql.stderr).toBe('');
    expect(psql.status).toBe(0);
  });
  afterAll(async () => {
    await env.close();
    await sql(ADMIN, `DROP ROLE IF EXISTS "${owner}", "${appRole}"`);
  });

  it('npm run migration:run applies every migration as the owner; migration:show lists them applied', () => {
    const run = npmRun('migration:run', url(owner));
    expect(run.status).toBe(0);
    const shown = npmRun('migration:show', url(owner));
    expect(shown.status).toBe(0);
    migrationNames.forEach((name, i) => expect(shown.output).toContain(`[X] ${i + 1} ${name}`));
    expect(shown.output.match(/\[X\]/g)).toHaveLength(migrationNames.length);
    expect(shown.output).not.toContain('[ ]');
  });

  it('the app role may not create, alter or drop tables', async () => {
    await expect(sql(url(appRole), 'CREATE TABLE intruder (id int)')).rejects.toMatchObject({
      code: '42501',
    });
    await expect(sql(url(appRole), 'DROP TABLE outbox')).rejects.toMatchObject({ code: '42501' });
    await expect(sql(url(appRole), 'ALTER TABLE outbox ADD COLUMN x int')).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('the app runs as the app role with MIGRATIONS=off: a booking is written, relayed and handled', async () => {
    const { app, url: api } = await env.start(featureModules, {
      POSTGRES_URL: url(appRole),
      MIGRATIONS: 'off',
    });
    const show_id = await createShow(api);
    await request(api)
      .post('/api/book-tickets')
      .send({ show_id, number_of_tickets: 1, customer_email: 'ada@example.com' })
      .expect(201);
    await eventually(
      async () =>
        (await env.query(`SELECT 1 FROM processed_messages WHERE handler = 'ops_booking_made'`))
          .length === 1,
      { what: 'the booking relayed and projected by a handler' },
    );
    await eventually(
      async () => (await env.query('SELECT 1 FROM outbox WHERE published_at IS NULL')).length === 0,
      { what: 'every outbox row published' },
    );
    await app.close();
  });

  it('MIGRATIONS=off applies nothing and refuses a schema behind the build; on (the default) applies it', async () => {
    const last = migrationNames[migrationNames.length - 1];
    expect(npmRun('migration:revert', url(owner)).status).toBe(0);
    expect(npmRun('migration:show', url(owner)).output).toContain(`[ ] ${last}`);

    await expect(
      createApp(env.config({ POSTGRES_URL: url(owner), MIGRATIONS: 'off' }), featureModules, {
        logger: false,
      }),
    ).rejects.toThrow(`MIGRATIONS=off and 1 migration(s) not applied (${last})`);
    expect(npmRun('migration:show', url(owner)).output).toContain(`[ ] ${last}`);

    const { app } = await env.start(featureModules, { POSTGRES_URL: url(owner) });
    await app.close();
    const shown = npmRun('migration:show', url(owner)).output;
    expect(shown).not.toContain('[ ]');
    expect(shown).toContain(last);
  });
});

/**
 * A TCP proxy in front of PostgreSQL that reads the database name of each connection's startup
 * packet, and may turn away those for the `postgres` database: a managed PostgreSQL often gives
 * an application no access there.
 */
async function pgProxy(refusePostgres: boolean) {
  const databases: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client: Socket) => {
    sockets.add(client);
    client.once('data', (first: Buffer) => {
      const params = first.subarray(8).toString('utf8').split('\0');
      const database = params[params.indexOf('database') + 1];
      databases.push(database);
      if (refusePostgres && database === 'postgres') return client.destroy();
      const upstream = new Socket();
      sockets.add(upstream);
      upstream.connect(5432, '127.0.0.1', () => {
        upstream.write(first);
        client.pipe(upstream).pipe(client);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', close).on('close', close);
      client.on('error', close).on('close', close);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    databases,
    url: (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('the database is created only when missing (3D000)', () => {
  const env = new TestEnv(SMALL_POOL);
  let proxy: Awaited<ReturnType<typeof pgProxy>>;
  afterEach(() => proxy?.close());
  afterAll(() => env.close());

  it('an existing database: start-up never connects to the postgres database', async () => {
    await sql(ADMIN, `CREATE DATABASE "${env.dbName}"`);
    proxy = await pgProxy(true);
    const { app } = await env.start(featureModules, { POSTGRES_URL: proxy.url(env.dbName) });
    await app.close();
    expect(proxy.databases.length).toBeGreaterThan(0);
    expect(new Set(proxy.databases)).toEqual(new Set([env.dbName]));
  });

  it('a missing database: created from the postgres database, or one line saying it cannot be', async () => {
    const missing = `${env.dbName}_new`;
    proxy = await pgProxy(true);
    await expect(
      createApp(env.config({ POSTGRES_URL: proxy.url(missing) }), featureModules, {
        logger: false,
      }),
    ).rejects.toThrow(
      `Database ${missing} does not exist at 127.0.0.1:${new URL(proxy.url(missing)).port} and the "postgres" database to create it from is out of reach`,
    );
    await proxy.close();

    proxy = await pgProxy(false);
    const { app } = await env.start(featureModules, { POSTGRES_URL: proxy.url(missing) });
    expect(proxy.databases.slice(0, 2)).toEqual([missing, 'postgres']);
    await app.close();
    await sql(ADMIN, `DROP DATABASE "${missing}" WITH (FORCE)`);
  });
});
