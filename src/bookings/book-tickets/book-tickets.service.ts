import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ShowsRepository } from '../../shows/shows.repository';
import { BookingsRepository } from '../bookings.repository';
import { BookingMade_v1 } from '../events/booking-made.event';
import { BookTicketsRequest } from './book-tickets.dto';

@Injectable()
export class BookTicketsService {
  constructor(
    private readonly bookings: BookingsRepository,
    private readonly shows: ShowsRepository,
  ) {}

  /**
   * The booking and its BookingMade_v1 are one statement: both are written, or, when the show
   * lacks the seats, neither is. This is the hottest path of a sale, so it costs one round trip
   * (measured in docs/performance.md); a refused booking only then asks whether the show exists.
   */
  async book(request: BookTicketsRequest): Promise<string> {
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
