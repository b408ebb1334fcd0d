import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The consumer-group registry and the dedupe records' age index. They were created by the
 * application's Durability1764202200000 until the messaging module owned its tables; databases
 * migrated before that already have them, so this migration creates only what is missing.
 */
export class MessagingConsumerGroups1764202250000 implements MigrationInterface {
  name = 'MessagingConsumerGroups1764202250000';

  async up(q: QueryRunner): Promise<void> {
    // Every (group, destination) a consumer has ever read. A group missing from Redis but listed
    // here was lost (a restart without persistence, a flush, a deleted stream or group): what it
    // had not handled yet is published again from the outbox. Kept in PostgreSQL because Redis is
    // what may forget.
    await q.query(`
      CREATE TABLE IF NOT EXISTS consumer_groups (
        group_name  text        NOT NULL,
        destination text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_name, destination)
      )`);
    // Pruning walks the oldest rows first, a small batch at a time.
    await q.query(
      `CREATE INDEX IF NOT EXISTS processed_messages_age ON processed_messages (processed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS processed_messages_age`);
    await q.query(`DROP TABLE IF EXISTS consumer_groups`);
  }
}
