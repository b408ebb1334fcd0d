import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each webhook key remembers a hash of its request, so the same key with a different body can be
 * told from a replay. Keys recorded before this column stay NULL and are taken as replays.
 */
export class WebhookRequestHash1764201900000 implements MigrationInterface {
  name = 'WebhookRequestHash1764201900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_requests ADD COLUMN request_hash text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_requests DROP COLUMN request_hash`);
  }
}
