import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '../../src/platform/database/prepare-infrastructure';
import { dbPrefix } from '../support/test-run';

const PG = 'postgres://postgres@127.0.0.1:5432/';

/** The messaging module's migrations run beside the application's, on new and on old databases. */
describe('messaging migrations', () => {
  const name = `${dbPrefix()}mig_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: `${PG}postgres` });
  let db: Client;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    db = new Client({ connectionString: PG + name });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  const tables = async () =>
    (
      await db.query<{ name: string }>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'
         UNION SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`,
      )
    ).rows.map((r) => r.name);

  it('create messaging and product tables on a new database', async () => {
    await runMigrations(PG + name);
    const made = await tables();
    for (const t of [
      'outbox',
      'processed_messages',
      'events',
      'consumer_groups',
      'processed_messages_age',
      'webhook_requests_age',
      'bookings',
    ]) {
      expect(made).toContain(t);
    }
  });

  it('on a database migrated before the split (consumer_groups already there) record the messaging migration without failing', async () => {
    // What a database migrated by the earlier Durability1764202200000 looks like: the tables
    // exist, the messaging module's migration has not run.
    await db.query(`DELETE FROM migrations WHERE name = 'MessagingConsumerGroups1764202250000'`);
    await db.query(`INSERT INTO consumer_groups (group_name, destination) VALUES ('g', 'd')`);
    const before = await tables();
    await runMigrations(PG + name);
    expect(await tables()).toEqual(before);
    const ran = await db.query(`SELECT name FROM migrations ORDER BY timestamp`);
    expect(ran.rows.map((r) => r.name)).toContain('MessagingConsumerGroups1764202250000');
    const kept = await db.query(`SELECT group_name FROM consumer_groups`);
    expect(kept.rows).toEqual([{ group_name: 'g' }]);
  });
});
