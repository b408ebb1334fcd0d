import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { DeadNationClient } from '../../gateway/dead-nation.client';
import { HandlerName } from '../../messaging/handler-name.decorator';
import { ShowsRepository } from '../../shows/shows.repository';
import { BookingMade_v1 } from '../events/booking-made.event';

/** Dead Nation sells the seats; the booking_id makes a repeated call the same booking. */
@EventsHandler(BookingMade_v1)
@HandlerName('book_at_dead_nation', { deferWrites: true })
export class BookAtDeadNationHandler implements IEventHandler<BookingMade_v1> {
  constructor(
    private readonly shows: ShowsRepository,
    private readonly deadNation: DeadNationClient,
  ) {}

  async handle(event: BookingMade_v1): Promise<void> {
    const deadNationId = await this.shows.deadNationIdOf(event.show_id);
    if (!deadNationId)
      throw new Error(`show ${event.show_id} of booking ${event.booking_id} not found`);
    await this.deadNation.bookTickets({
      booking_id: event.booking_id,
      event_id: deadNationId,
      number_of_tickets: event.number_of_tickets,
      customer_address: event.customer_email,
    });
  }
}
