import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ListedTicket, TicketsRepository } from '../tickets.repository';
import { ListTickets } from './list-tickets.query';

/** Rows fetched per query while streaming: memory stays bounded whatever the table holds. */
export const BATCH = 500;

@QueryHandler(ListTickets)
export class ListTicketsHandler implements IQueryHandler<ListTickets> {
  constructor(private readonly tickets: TicketsRepository) {}

  // The pages are read lazily, each when the previous one has been sent.
  async execute({ after, limit }: ListTickets): Promise<AsyncGenerator<ListedTicket[]>> {
    return this.pages(after, limit ?? Infinity);
  }

  private async *pages(after: string | undefined, remaining: number) {
    for (;;) {
      const page = await this.tickets.liveTicketsAfter(after, Math.min(BATCH, remaining));
      if (page.length > 0) yield page;
      remaining -= page.length;
      if (remaining <= 0 || page.length < BATCH) return; // a short page is the last one
      after = page[page.length - 1].ticket_id;
    }
  }
}
