import { Module } from '@nestjs/common';
import { CreateShowController } from './create-show/create-show.controller';
import { CreateShowHandler } from './create-show/create-show.handler';
import { ListShowsController } from './list-shows/list-shows.controller';
import { ListShowsHandler } from './list-shows/list-shows.handler';
import { ShowsRepository } from './shows.repository';

/** Shows Dead Nation sells, each with the seat counter bookings draw from. */
@Module({
  controllers: [CreateShowController, ListShowsController],
  providers: [ShowsRepository, CreateShowHandler, ListShowsHandler],
  exports: [ShowsRepository],
})
export class ShowsModule {}
