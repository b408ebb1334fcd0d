import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events of the ops read model that came before their booking or ticket was projected (a
 * confirm before its BookingMade, a receipt, print or refund before its confirm). They wait here,
 * parked in the transaction that handled them, until the event they wait for is projected and
 * applies them in its own transaction: the projection converges in one pass whatever the order.
 * Exactly one of booking_id / ticket_id is set: what the event waits for. Not part of the rebuilt
 * tables: a rebuild reads the events store, where every parked event is too.
 */
export class OpsPendingEvents1764202410000 implements MigrationInterface {
  name = 'OpsPendingEvents1764202410000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ops_pending_events (
        event_id   text        CONSTRAINT ops_pending_events_pkey PRIMARY KEY,
        booking_id uuid,
        ticket_id  uuid,
        event      jsonb       NOT NULL,
        parked_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ops_pending_events_waits_for_one CHECK ((booking_id IS NULL) <> (ticket_id IS NULL))
      )`);
    await q.query(
      `CREATE INDEX ops_pending_events_by_booking ON ops_pending_events (booking_id) WHERE booking_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ops_pending_events_by_ticket ON ops_pending_events (ticket_id) WHERE ticket_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ops_pending_events`);
  }
}
