import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Transactional } from '@nestjs-cls/transactional';
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
    private readonly eventBus: EventBus,
  ) {}

  /**
   * The booking and its BookingMade_v1 commit together, or neither does. The event is written
   * first: the guarded UPDATE locks the show's row until COMMIT, so taking the seats last keeps
   * that lock for one round trip instead of four, which is what bounds a show in demand. A
   * refused booking throws, and its event rolls back with the transaction.
   */
  @Transactional()
  async book(request: BookTicketsRequest): Promise<string> {
    const booking = { booking_id: randomUUID(), ...request };
    await this.eventBus.publish(new BookingMade_v1(booking));
    if (!(await this.bookings.addIfSeatsLeft(booking))) {
      if (!(await this.shows.exists(request.show_id))) {
        throw new NotFoundException(`show ${request.show_id} not found`);
      }
      throw new BadRequestException('not enough seats available');
    }
    return booking.booking_id;
  }
}
