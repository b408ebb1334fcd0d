import { Query } from '@nestjs/cqrs';
import { ListedTicket } from '../tickets.repository';

/**
 * The live tickets (confirmed, neither canceled nor refunded) in ticket_id order, after `after`
 * and at most `limit` of them, as pages read one at a time.
 */
export class ListTickets extends Query<AsyncGenerator<ListedTicket[]>> {
  constructor(
    readonly after?: string,
    readonly limit?: number,
  ) {
    super();
  }
}
