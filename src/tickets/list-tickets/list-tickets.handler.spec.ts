import { ListedTicket } from '../tickets.repository';
import { BATCH, ListTicketsHandler } from './list-tickets.handler';
import { ListTickets } from './list-tickets.query';

/** A table of `count` live tickets with ids t00001…; records each query's (after, limit). */
function tableOf(count: number) {
  const ids = Array.from({ length: count }, (_, i) => `t${String(i + 1).padStart(5, '0')}`);
  const queries: [string | undefined, number][] = [];
  const repo = {
    async liveTicketsAfter(after: string | undefined, limit: number): Promise<ListedTicket[]> {
      queries.push([after, limit]);
      return ids
        .filter((id) => after === undefined || id > after)
        .slice(0, limit)
        .map((ticket_id) => ({ ticket_id }) as ListedTicket);
    },
  };
  return { handler: new ListTicketsHandler(repo as any), queries };
}

async function read(handler: ListTicketsHandler, query: ListTickets) {
  const pages: string[][] = [];
  for await (const page of await handler.execute(query)) pages.push(page.map((t) => t.ticket_id));
  return pages;
}

describe('ListTicketsHandler', () => {
  it('reads every live ticket a batch at a time, each after the last one read', async () => {
    const { handler, queries } = tableOf(BATCH * 2 + 3);
    const pages = await read(handler, new ListTickets());
    expect(pages.map((p) => p.length)).toEqual([BATCH, BATCH, 3]);
    expect(queries).toEqual([
      [undefined, BATCH],
      [`t${String(BATCH).padStart(5, '0')}`, BATCH],
      [`t${String(BATCH * 2).padStart(5, '0')}`, BATCH],
    ]);
  });

  it('stops at the limit without another query', async () => {
    const { handler, queries } = tableOf(BATCH * 3);
    const pages = await read(handler, new ListTickets('t00010', BATCH + 7));
    expect(pages.map((p) => p.length)).toEqual([BATCH, 7]);
    expect(pages[0][0]).toBe('t00011');
    expect(queries.map(([, limit]) => limit)).toEqual([BATCH, 7]);
  });

  it('yields no page for an empty table, after one query', async () => {
    const { handler, queries } = tableOf(0);
    expect(await read(handler, new ListTickets())).toEqual([]);
    expect(queries).toHaveLength(1);
  });

  it('does not query the next page before the previous one is taken', async () => {
    const { handler, queries } = tableOf(BATCH * 2);
    const pages = await handler.execute(new ListTickets());
    expect(queries).toHaveLength(0);
    await pages.next();
    expect(queries).toHaveLength(1);
  });
});
