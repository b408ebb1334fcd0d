import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Money } from '../platform/common/money';

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

  /**
   * Idempotent: a ticket stored before stays as it is. A ticket its cancellation wrote first (a
   * tombstone) stays canceled: deleted_at is never touched here, the ticket is only no longer
   * unconfirmed.
   */
  async store(ticket: Ticket): Promise<void> {
    const inserted: unknown[] = await this.txHost.tx.query(
      `INSERT INTO tickets (ticket_id, booking_id, price_amount, price_currency, customer_email)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id) DO NOTHING RETURNING 1`,
      ticketParams(ticket),
    );
    if (inserted.length > 0) return; // a new ticket: no cancellation came before it
    // A statement of its own, so it sees a tombstone whose insert the one above waited for.
    await this.txHost.tx.query('DELETE FROM unconfirmed_tickets WHERE ticket_id = $1', [
      ticket.ticket_id,
    ]);
  }

  /**
   * Marks the ticket canceled (the first time counts), whether or not its confirmation has been
   * stored: a cancellation that comes first writes the ticket canceled and unconfirmed, from the
   * fields its event carries, so cancel and confirm give the same result in either order.
   */
  async markCanceled(ticket: Ticket): Promise<void> {
    const tombstone: unknown[] = await this.txHost.tx.query(
      `INSERT INTO tickets
         (ticket_id, booking_id, price_amount, price_currency, customer_email, deleted_at)
       VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (ticket_id) DO NOTHING RETURNING 1`,
      ticketParams(ticket),
    );
    if (tombstone.length > 0) {
      await this.txHost.tx.query(
        'INSERT INTO unconfirmed_tickets (ticket_id) VALUES ($1) ON CONFLICT DO NOTHING',
        [ticket.ticket_id],
      );
      return;
    }
    await this.txHost.tx.query(
      'UPDATE tickets SET deleted_at = now() WHERE ticket_id = $1 AND deleted_at IS NULL',
      [ticket.ticket_id],
    );
  }

  /** Known once its confirmation is stored, canceled tickets included (spec §2). */
  async exists(ticketId: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      `SELECT 1 FROM tickets t WHERE t.ticket_id = $1
          AND NOT EXISTS (SELECT 1 FROM unconfirmed_tickets u WHERE u.ticket_id = t.ticket_id)`,
      [ticketId],
    );
    return rows.length > 0;
  }

  /**
   * One page of the live (confirmed, neither canceled nor refunded) tickets in ticket_id order.
   * A refund is a row of `refunds`, written when the money has gone back (spec §9).
   */
  async liveTicketsAfter(after: string | undefined, limit: number): Promise<ListedTicket[]> {
    const rows: { ticket_id: string; customer_email: string; amount: string; currency: string }[] =
      await this.txHost.tx.query(
        `SELECT ticket_id, customer_email, price_amount::text AS amount, price_currency AS currency
           FROM tickets t
          WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR ticket_id > $1::uuid)
            AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.ticket_id = t.ticket_id)
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

function ticketParams(ticket: Ticket): unknown[] {
  return [
    ticket.ticket_id,
    ticket.booking_id,
    ticket.price.amount,
    ticket.price.currency,
    ticket.customer_email,
  ];
}
