import { Module } from '@nestjs/common';
import { CreateShowController } from './create-show/create-show.controller';
import { CreateShowHandler } from './create-show/create-show.handler';
import { ShowsRepository } from './shows.repository';

/** Shows Dead Nation sells, each with the seat counter bookings draw from. */
@Module({
  controllers: [CreateShowController],
  providers: [ShowsRepository, CreateShowHandler],
  exports: [ShowsRepository],
})
export class ShowsModule {}
