import { EventBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { DeadNationClient } from '../../gateway/dead-nation.client';
import { GatewayError } from '../../gateway/gateway.error';
import { HandlerName } from '../../messaging';
import { ShowsRepository } from '../../shows/shows.repository';
import { BookingFailed_v1 } from '../events/booking-failed.event';
import { BookingMade_v1 } from '../events/booking-made.event';

/**
 * Dead Nation sells the seats; the booking_id makes a repeated call the same booking. When it
 * refuses the booking for good, retrying cannot help and the seats would stay taken forever:
 * the booking fails instead (release_seats gives the seats back).
 */
@EventsHandler(BookingMade_v1)
@HandlerName('book_at_dead_nation', { deferWrites: true })
export class BookAtDeadNationHandler implements IEventHandler<BookingMade_v1> {
  constructor(
    private readonly shows: ShowsRepository,
    private readonly deadNation: DeadNationClient,
    private readonly eventBus: EventBus,
  ) {}

  async handle(event: BookingMade_v1): Promise<void> {
    const deadNationId = await this.shows.deadNationIdOf(event.show_id);
    if (!deadNationId)
      throw new Error(`show ${event.show_id} of booking ${event.booking_id} not found`);
    try {
      await this.deadNation.bookTickets({
        booking_id: event.booking_id,
        event_id: deadNationId,
        number_of_tickets: event.number_of_tickets,
        customer_address: event.customer_email,
      });
    } catch (e) {
      if (!(e instanceof GatewayError && e.refused)) throw e; // 5xx, timeouts: retried
      await this.eventBus.publish(
        new BookingFailed_v1(
          { booking_id: event.booking_id, failure_reason: e.message },
          { idempotency_key: `${event.booking_id}-failed` },
        ),
      );
    }
  }
}
