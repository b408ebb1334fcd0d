import { BadRequestException, Inject, NotFoundException } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../platform/config/app.config';
import { ShowsRepository } from '../../shows/shows.repository';
import { BookingsRepository } from '../bookings.repository';
import { BookingMade_v1 } from '../events/booking-made.event';
import { BookTickets } from './book-tickets.command';

/**
 * The booking and its BookingMade_v1 are one statement: both are written, or, when the show
 * lacks the seats, neither is. This is the hottest path of a sale, so it costs one round trip
 * and opens no transaction (measured in docs/performance.md); a refused booking only then asks
 * whether the show exists.
 */
@CommandHandler(BookTickets)
export class BookTicketsHandler implements ICommandHandler<BookTickets> {
  constructor(
    private readonly bookings: BookingsRepository,
    private readonly shows: ShowsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ request }: BookTickets): Promise<string> {
    // Dead Nation answers a booking with one ticket per seat, each sent twice through the
    // webhook: one huge booking would flood every handler (spec §9).
    const max = this.config.maxTicketsPerBooking;
    if (request.number_of_tickets > max) {
      throw new BadRequestException([`number_of_tickets must not be greater than ${max}`]);
    }
    const booking = { booking_id: randomUUID(), ...request };
    if (await this.bookings.addIfSeatsLeft(booking, [new BookingMade_v1(booking)])) {
      return booking.booking_id;
    }
    if (!(await this.shows.exists(request.show_id))) {
      throw new NotFoundException(`show ${request.show_id} not found`);
    }
    throw new BadRequestException('not enough seats available');
  }
}
