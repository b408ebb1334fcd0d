import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { BookingsRepository } from '../../bookings/bookings.repository';
import { BookingFailed_v1 } from '../../bookings/events/booking-failed.event';
import { BookingMade_v1 } from '../../bookings/events/booking-made.event';
import { HandlerName } from '../../messaging';
import { BookShowTickets } from './book-show-tickets.command';

/**
 * The bundle's seats, taken by the statement `POST /api/book-tickets` uses (the guarded seat
 * UPDATE with the booking and its BookingMade_v1), under the bundle's booking id. The booking
 * row is the command's own record: a redelivery finds it and does nothing.
 */
@CommandHandler(BookShowTickets)
@HandlerName('book_show_tickets')
export class BookShowTicketsHandler implements ICommandHandler<BookShowTickets> {
  constructor(
    private readonly bookings: BookingsRepository,
    private readonly eventBus: EventBus,
  ) {}

  async execute(command: BookShowTickets): Promise<void> {
    const { booking_id, show_id, number_of_tickets, customer_email } = command;
    if (await this.bookings.exists(booking_id)) return;
    const booking = { booking_id, show_id, number_of_tickets, customer_email };
    if (await this.bookings.addIfSeatsLeft(booking, [new BookingMade_v1(booking)])) return;
    await this.eventBus.publish(
      new BookingFailed_v1(
        { booking_id, failure_reason: 'not enough seats available' },
        { idempotency_key: `${booking_id}-failed` },
      ),
    );
  }
}
