import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Money } from '../common/money';

export interface Ticket {
  ticket_id: string;
  booking_id: string;
  customer_email: string;
  price: Money;
}

export interface ListedTicket {
  ticket_id: string;
  customer_email: string;
  price: Money;
}

@Injectable()
export class TicketsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** Idempotent: a ticket stored before stays as it is. */
  async store(ticket: Ticket): Promise<void> {
    await this.txHost.tx.query(
      `INSERT INTO tickets (ticket_id, booking_id, price_amount, price_currency, customer_email)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id) DO NOTHING`,
      [
        ticket.ticket_id,
        ticket.booking_id,
        ticket.price.amount,
        ticket.price.currency,
        ticket.customer_email,
      ],
    );
  }

  /** Marks the ticket canceled (the first time counts); false when it is not stored (yet). */
  async markCanceled(ticketId: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.txHost.tx.query(
      `UPDATE tickets SET deleted_at = COALESCE(deleted_at, now()) WHERE ticket_id = $1`,
      [ticketId],
    );
    return affected === 1;
  }

  /** Known once stored, canceled tickets included. */
  async exists(ticketId: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      'SELECT 1 FROM tickets WHERE ticket_id = $1',
      [ticketId],
    );
    return rows.length > 0;
  }

  /** One page of the live (confirmed, not canceled) tickets in ticket_id order. */
  async liveTicketsAfter(after: string | undefined, limit: number): Promise<ListedTicket[]> {
    const rows: { ticket_id: string; customer_email: string; amount: string; currency: string }[] =
      await this.txHost.tx.query(
        `SELECT ticket_id, customer_email, price_amount::text AS amount, price_currency AS currency
           FROM tickets
          WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR ticket_id > $1::uuid)
          ORDER BY ticket_id LIMIT $2`,
        [after ?? null, limit],
      );
    return rows.map((r) => ({
      ticket_id: r.ticket_id,
      customer_email: r.customer_email,
      price: { amount: r.amount, currency: r.currency },
    }));
  }
}
