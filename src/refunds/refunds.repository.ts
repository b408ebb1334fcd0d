import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

/** One row per refunded ticket: the guard that makes a second refund request a no-op. */
@Injectable()
export class RefundsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Claims the ticket's refund in the current transaction; false when it was refunded before.
   * A concurrent claim waits on the row until this transaction ends.
   */
  async claim(ticketId: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      'INSERT INTO refunds (ticket_id) VALUES ($1) ON CONFLICT (ticket_id) DO NOTHING RETURNING 1',
      [ticketId],
    );
    return rows.length === 1;
  }
}
