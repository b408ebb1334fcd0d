import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlerName } from '../../messaging';
import { BookingsRepository } from '../bookings.repository';
import { BookingFailed_v1 } from '../events/booking-failed.event';

/** A failed booking's seats are for sale again; recording the failure makes it happen once. */
@EventsHandler(BookingFailed_v1)
@HandlerName('release_seats')
export class ReleaseSeatsHandler implements IEventHandler<BookingFailed_v1> {
  constructor(private readonly bookings: BookingsRepository) {}

  async handle({ booking_id, failure_reason }: BookingFailed_v1): Promise<void> {
    await this.bookings.recordFailure(booking_id, failure_reason);
  }
}
