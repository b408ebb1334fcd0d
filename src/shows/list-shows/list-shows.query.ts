import { Query } from '@nestjs/cqrs';
import { ShowListing } from './list-shows.dto';

/** The newest `limit` shows by start time, latest first, with the seats sold so far. */
export class ListShows extends Query<ShowListing[]> {
  constructor(readonly limit: number) {
    super();
  }
}
