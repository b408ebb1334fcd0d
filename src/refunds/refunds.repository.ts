import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { OutboxWriter } from '../messaging';
import { TicketRefunded_v1 } from './events/ticket-refunded.event';

/** One row per refunded ticket: the fact that gates TicketRefunded_v1 to once per ticket. */
@Injectable()
export class RefundsRepository {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: OutboxWriter,
  ) {}

  async isRefunded(ticketId: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      'SELECT 1 FROM refunds WHERE ticket_id = $1',
      [ticketId],
    );
    return rows.length > 0;
  }

  /**
   * Claims the ticket's refund for the command `messageId`, in a statement of its own; false when
   * another command claimed it first (its refund is under way, or done). The claimant's own
   * redelivery gets its claim back.
   */
  async claim(ticketId: string, messageId: string): Promise<boolean> {
    const [row]: { message_id: string }[] = await this.txHost.tx.query(
      `INSERT INTO refund_claims (ticket_id, message_id) VALUES ($1, $2)
       ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = EXCLUDED.ticket_id
       RETURNING message_id`,
      [ticketId, messageId],
    );
    return row.message_id === messageId.toLowerCase();
  }

  /**
   * Records the refund and its event, written after the (deferWrites) handler returns: the event
   * only if the row is new, so a ticket refunded on two requests at once emits it once.
   */
  record(event: TicketRefunded_v1): void {
    this.outbox.deferChange(
      {
        ctes: [
          [
            'refund',
            `INSERT INTO refunds (ticket_id) VALUES ($1)
             ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id`,
          ],
        ],
        params: [event.ticket_id],
      },
      [event],
    );
  }
}
