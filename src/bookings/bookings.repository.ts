import { Injectable } from '@nestjs/common';
import { Message } from '../messaging/message';
import { OutboxWriter } from '../messaging/outbox.writer';

export interface NewBooking {
  booking_id: string;
  show_id: string;
  number_of_tickets: number;
  customer_email: string;
}

@Injectable()
export class BookingsRepository {
  constructor(private readonly outbox: OutboxWriter) {}

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
}
