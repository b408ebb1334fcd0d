import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The messaging backbone's tables: the outbox the relay drains, the per-handler record of handled
 * messages (dedupe), and the events store of spec §6.
 */
export class Messaging1764201600000 implements MigrationInterface {
  name = 'Messaging1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id             bigserial PRIMARY KEY,
        message_id     uuid        NOT NULL,
        destination    text        NOT NULL,
        name           text        NOT NULL,
        payload        text        NOT NULL,
        correlation_id text        NULL,
        traceparent    text        NULL,
        tracestate     text        NULL,
        created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at   timestamptz NULL
      )`);
    // The relay only ever looks for unpublished rows; this index stays as small as the backlog.
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
    await q.query(
      `CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE processed_messages (
        handler      text        NOT NULL,
        message_id   uuid        NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (handler, message_id)
      )`);
    await q.query(`
      CREATE TABLE events (
        event_id      uuid PRIMARY KEY,
        published_at  timestamptz NOT NULL,
        event_name    text        NOT NULL,
        event_payload jsonb       NOT NULL
      )`);
    await q.query(`CREATE INDEX events_replay_order ON events (published_at, event_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE events`);
    await q.query(`DROP TABLE processed_messages`);
    await q.query(`DROP TABLE outbox`);
  }
}
