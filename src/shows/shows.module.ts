import { Module } from '@nestjs/common';
import { CreateShowController } from './create-show/create-show.controller';
import { ShowsRepository } from './shows.repository';

/** Shows Dead Nation sells, each with the seat counter bookings draw from. */
@Module({
  controllers: [CreateShowController],
  providers: [ShowsRepository],
  exports: [ShowsRepository],
})
export class ShowsModule {}
