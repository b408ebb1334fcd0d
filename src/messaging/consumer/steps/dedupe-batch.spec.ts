import { dedupeBatch } from './dedupe-batch';

describe('dedupeBatch', () => {
  it('records every id in one insert and runs only the new ones, once each, in order', async () => {
    const queries: unknown[][] = [];
    const txHost = {
      withTransaction: <T>(work: () => Promise<T>) => work(),
      tx: {
        query: async (_sql: string, params: [string, string[]]) => {
          queries.push(params);
          return [{ message_id: 'a' }, { message_id: 'c' }]; // b was handled before
        },
      },
    };
    const ran: string[] = [];
    const items = ['a', 'b', 'c', 'a'].map((id) => ({ id, entry: { fields: {} } }));
    const outcomes = await dedupeBatch(
      txHost as any,
      'h',
      items,
      (i) => i.id,
      async (i) => {
        ran.push(i.id);
        return 'ok';
      },
    );
    expect(queries).toEqual([['h', ['a', 'b', 'c', 'a']]]);
    expect(ran).toEqual(['a', 'c']);
    expect(outcomes).toEqual(['ok', 'duplicate', 'ok', 'duplicate']); // a twice in one read
  });
});
