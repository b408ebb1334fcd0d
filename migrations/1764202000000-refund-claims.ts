import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which RefundTicket command refunds a ticket. The refund handler calls Receipts and Payments
 * outside any transaction (it holds no connection while they answer), so two requests for one
 * ticket are no longer serialised by a row lock: the first claims the ticket in a statement of
 * its own, and a second request finds the claim and adds nothing. `refunds` stays the fact that
 * the money went back.
 */
export class RefundClaims1764202000000 implements MigrationInterface {
  name = 'RefundClaims1764202000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refund_claims (
        ticket_id  uuid        PRIMARY KEY,
        message_id uuid        NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refund_claims');
  }
}
