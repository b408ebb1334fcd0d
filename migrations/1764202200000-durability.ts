import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 (spec §10): recovering from Redis losing data, and retention.
 */
export class Durability1764202200000 implements MigrationInterface {
  name = 'Durability1764202200000';

  async up(q: QueryRunner): Promise<void> {
    // consumer_groups and processed_messages_age were created here too; they are the messaging
    // module's now (MessagingConsumerGroups1764202250000, idempotent for databases that ran this).
    // Pruning walks the oldest rows first, a small batch at a time.
    await q.query(`CREATE INDEX webhook_requests_age ON webhook_requests (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_requests_age`);
  }
}
