import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

export interface NewBooking {
  booking_id: string;
  show_id: string;
  number_of_tickets: number;
  customer_email: string;
}

@Injectable()
export class BookingsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Takes the seats and records the booking in one statement, or does nothing when the show
   * lacks the seats (or does not exist). The guarded UPDATE is what makes overbooking
   * impossible: see docs/decisions/overbooking.md.
   */
  async addIfSeatsLeft(booking: NewBooking): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      `WITH seats AS (
         UPDATE show_seats SET seats_booked = seats_booked + $3::int
          WHERE show_id = $2 AND seats_booked::bigint + $3::int <= capacity
         RETURNING show_id)
       INSERT INTO bookings (booking_id, show_id, number_of_tickets, customer_email)
       SELECT $1, show_id, $3::int, $4 FROM seats RETURNING booking_id`,
      [booking.booking_id, booking.show_id, booking.number_of_tickets, booking.customer_email],
    );
    return rows.length === 1;
  }
}
