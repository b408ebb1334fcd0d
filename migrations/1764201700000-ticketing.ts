import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ticketing tables: spec §6's `shows`, `bookings` and `tickets` (columns exactly as listed
 * there, which other tools read), plus our own side tables: the seat counter that makes
 * overbooking impossible (docs/decisions/overbooking.md), the webhook's seen Idempotency-Keys,
 * the spreadsheet append ledger and the one-refund-per-ticket guard.
 */
export class Ticketing1764201700000 implements MigrationInterface {
  name = 'Ticketing1764201700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shows (
        show_id           uuid PRIMARY KEY,
        dead_nation_id    uuid        NOT NULL UNIQUE,
        number_of_tickets int         NOT NULL CHECK (number_of_tickets > 0),
        start_time        timestamptz NOT NULL,
        title             text        NOT NULL,
        venue             text        NOT NULL
      )`);
    // One row per show, updated with a guarded UPDATE: the row lock serialises the bookings of
    // one show for the few microseconds of the statement, never across round trips.
    await q.query(`
      CREATE TABLE show_seats (
        show_id      uuid PRIMARY KEY REFERENCES shows (show_id),
        capacity     int NOT NULL,
        seats_booked int NOT NULL DEFAULT 0,
        CONSTRAINT seats_within_capacity CHECK (seats_booked >= 0 AND seats_booked <= capacity)
      )`);
    await q.query(`
      CREATE TABLE bookings (
        booking_id        uuid PRIMARY KEY,
        show_id           uuid NOT NULL REFERENCES shows (show_id),
        number_of_tickets int  NOT NULL CHECK (number_of_tickets > 0),
        customer_email    text NOT NULL
      )`);
    await q.query(`CREATE INDEX bookings_show_id ON bookings (show_id)`);
    await q.query(`
      CREATE TABLE tickets (
        ticket_id      uuid PRIMARY KEY,
        booking_id     uuid          NOT NULL,
        price_amount   numeric(10,2) NOT NULL,
        price_currency char(3)       NOT NULL,
        customer_email text          NOT NULL,
        deleted_at     timestamptz   NULL
      )`);
    // GET /api/tickets walks the live tickets in ticket_id order, a page at a time.
    await q.query(`CREATE INDEX tickets_live ON tickets (ticket_id) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE webhook_requests (
        idempotency_key text PRIMARY KEY,
        received_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE spreadsheet_rows (
        sheet       text        NOT NULL,
        ticket_id   uuid        NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        appended_at timestamptz NULL,
        PRIMARY KEY (sheet, ticket_id)
      )`);
    await q.query(`
      CREATE TABLE refunds (
        ticket_id   uuid PRIMARY KEY,
        refunded_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'refunds',
      'spreadsheet_rows',
      'webhook_requests',
      'tickets',
      'bookings',
      'show_seats',
      'shows',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
