import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11: facts that arrive in any order, bookings Dead Nation refuses, and a lease on the
 * spreadsheet ledger. Spec §6's tables keep exactly their columns (other tools read them): what
 * this needs lives in side tables of our own.
 */
export class OrderAndRefusals1764202100000 implements MigrationInterface {
  name = 'OrderAndRefusals1764202100000';

  async up(q: QueryRunner): Promise<void> {
    // Tickets a cancellation wrote before their confirmation came (the tickets row is then a
    // tombstone: deleted_at set, so the confirmation cannot bring it back). store_ticket deletes
    // the mark; until then the ticket is unknown to refunds (spec §2).
    await q.query(`
      CREATE TABLE unconfirmed_tickets (
        ticket_id   uuid PRIMARY KEY,
        canceled_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Bookings Dead Nation refused for good (BookingFailed_v1); a row means the seats were given
    // back, so they are given back once.
    await q.query(`
      CREATE TABLE booking_failures (
        booking_id     uuid PRIMARY KEY REFERENCES bookings (booking_id),
        failure_reason text        NOT NULL,
        failed_at      timestamptz NOT NULL DEFAULT now()
      )`);
    // Who is appending this row right now, until when: a run reads the sheet back and appends
    // only while it holds the lease, so two runs never both find the row missing and append.
    await q.query(`ALTER TABLE spreadsheet_rows ADD COLUMN lease_owner uuid NULL`);
    await q.query(`ALTER TABLE spreadsheet_rows ADD COLUMN lease_until timestamptz NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE spreadsheet_rows DROP COLUMN lease_until, DROP COLUMN lease_owner`);
    await q.query(`DROP TABLE booking_failures`);
    await q.query(`DROP TABLE unconfirmed_tickets`);
  }
}
