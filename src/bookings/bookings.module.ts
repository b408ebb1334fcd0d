import { Module } from '@nestjs/common';
import { ShowsModule } from '../shows/shows.module';
import { BookAtDeadNationHandler } from './book-at-dead-nation/book-at-dead-nation.handler';
import { BookTicketsController } from './book-tickets/book-tickets.controller';
import { BookTicketsHandler } from './book-tickets/book-tickets.handler';
import { BookingsRepository } from './bookings.repository';
import { ReleaseSeatsHandler } from './release-seats/release-seats.handler';

/** Bookings of seats, passing them on to Dead Nation, and giving back those it refuses. */
@Module({
  imports: [ShowsModule],
  controllers: [BookTicketsController],
  providers: [BookingsRepository, BookTicketsHandler, BookAtDeadNationHandler, ReleaseSeatsHandler],
  exports: [BookingsRepository],
})
export class BookingsModule {}
