import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ops bookings read model of spec §5: the documents (spec §6 columns), the two side tables
 * kept in the same transaction as each document (a ticket's booking, a booking's receipt dates),
 * and the rebuild's bookkeeping (the marker that a rebuild runs, and the live updates it must
 * replay before it swaps its tables in). Rebuilds create the same tables under a `_next` suffix:
 * keep src/ops/ops-read-model.tables.ts in step with this file.
 */
export class OpsReadModel1764201800000 implements MigrationInterface {
  name = 'OpsReadModel1764201800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE read_model_ops_bookings (
        booking_id uuid  CONSTRAINT read_model_ops_bookings_pkey PRIMARY KEY,
        payload    jsonb NOT NULL
      )`);
    await q.query(`
      CREATE TABLE ops_ticket_bookings (
        ticket_id  uuid CONSTRAINT ops_ticket_bookings_pkey PRIMARY KEY,
        booking_id uuid NOT NULL
      )`);
    await q.query(`
      CREATE TABLE ops_receipt_dates (
        booking_id   uuid NOT NULL,
        receipt_date date NOT NULL,
        CONSTRAINT ops_receipt_dates_pkey PRIMARY KEY (booking_id, receipt_date)
      )`);
    await q.query(
      `CREATE INDEX ops_receipt_dates_by_date ON ops_receipt_dates (receipt_date, booking_id)`,
    );
    await q.query(`
      CREATE TABLE ops_rebuild_state (
        singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
        rebuild_id uuid        NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ops_rebuild_backlog (
        seq           bigserial PRIMARY KEY,
        event_name    text      NOT NULL,
        event_payload jsonb     NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ops_rebuild_backlog`);
    await q.query(`DROP TABLE ops_rebuild_state`);
    await q.query(`DROP TABLE ops_receipt_dates`);
    await q.query(`DROP TABLE ops_ticket_bookings`);
    await q.query(`DROP TABLE read_model_ops_bookings`);
  }
}
