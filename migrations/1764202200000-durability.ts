import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 (spec §10): recovering from Redis losing data, and retention.
 */
export class Durability1764202200000 implements MigrationInterface {
  name = 'Durability1764202200000';

  async up(q: QueryRunner): Promise<void> {
    // Every (group, destination) a consumer has ever read. A group missing from Redis but listed
    // here was lost (a restart without persistence, a flush, a deleted stream or group): what it
    // had not handled yet is published again from the outbox. Kept in PostgreSQL because Redis is
    // what may forget.
    await q.query(`
      CREATE TABLE consumer_groups (
        group_name  text        NOT NULL,
        destination text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_name, destination)
      )`);
    // Pruning walks the oldest rows first, a small batch at a time.
    await q.query(`CREATE INDEX processed_messages_age ON processed_messages (processed_at)`);
    await q.query(`CREATE INDEX webhook_requests_age ON webhook_requests (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_requests_age`);
    await q.query(`DROP INDEX processed_messages_age`);
    await q.query(`DROP TABLE consumer_groups`);
  }
}
