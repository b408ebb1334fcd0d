import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Message, OutboxWriter } from '../messaging';

export interface NewBooking {
  booking_id: string;
  show_id: string;
  number_of_tickets: number;
  customer_email: string;
}

@Injectable()
export class BookingsRepository {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /**
   * Takes the seats, records the booking and writes its messages in one statement, or does
   * nothing when the show lacks the seats (or does not exist). The guarded UPDATE is what makes
   * overbooking impossible (docs/decisions/overbooking.md); one statement means one round trip,
   * and the show's row stays locked only while PostgreSQL runs it and commits.
   */
  async addIfSeatsLeft(booking: NewBooking, messages: Message[]): Promise<boolean> {
    const rows = await this.outbox.changeWith(
      {
        ctes: [
          [
            'seats',
            `UPDATE show_seats SET seats_booked = seats_booked + $3::int
              WHERE show_id = $2 AND seats_booked::bigint + $3::int <= capacity
             RETURNING show_id`,
          ],
          [
            'booking',
            `INSERT INTO bookings (booking_id, show_id, number_of_tickets, customer_email)
             SELECT $1, show_id, $3::int, $4 FROM seats RETURNING booking_id`,
          ],
        ],
        params: [
          booking.booking_id,
          booking.show_id,
          booking.number_of_tickets,
          booking.customer_email,
        ],
      },
      messages,
    );
    return rows.length === 1;
  }

  /** Whether the booking is stored: a command that books under a given id finds its redelivery. */
  async exists(bookingId: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      'SELECT 1 FROM bookings WHERE booking_id = $1',
      [bookingId],
    );
    return rows.length > 0;
  }

  /**
   * Records that the booking failed and gives its seats back, in one statement and only the
   * first time: the failure's row is the guard, so two messages about one failure (or one
   * delivered twice) release the seats once. A booking this system never stored has no seats
   * to give back, and nothing happens.
   */
  async recordFailure(bookingId: string, reason: string): Promise<void> {
    await this.txHost.tx.query(
      `WITH failure AS (
         INSERT INTO booking_failures (booking_id, failure_reason)
         SELECT booking_id, $2 FROM bookings WHERE booking_id = $1
         ON CONFLICT (booking_id) DO NOTHING
         RETURNING booking_id)
       UPDATE show_seats s SET seats_booked = s.seats_booked - b.number_of_tickets
         FROM failure f JOIN bookings b ON b.booking_id = f.booking_id
        WHERE s.show_id = b.show_id`,
      [bookingId, reason],
    );
  }
}
