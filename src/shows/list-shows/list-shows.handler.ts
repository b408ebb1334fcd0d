import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ShowsRepository } from '../shows.repository';
import { ShowListing } from './list-shows.dto';
import { ListShows } from './list-shows.query';

@QueryHandler(ListShows)
export class ListShowsHandler implements IQueryHandler<ListShows> {
  constructor(private readonly shows: ShowsRepository) {}

  async execute({ limit }: ListShows): Promise<ShowListing[]> {
    return this.shows.list(limit);
  }
}
