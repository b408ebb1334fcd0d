import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { OrderPlaced_v1 } from './message.fixture';
import { OutboxNotifier } from './outbox.notifier';
import { DeferredWrites, MAX_MESSAGES_PER_STATEMENT, OutboxWriter } from './outbox.writer';

/** The SQL a writer sends, against a stand-in for the transaction host. */
function writerWithLog(deferred?: DeferredWrites) {
  const sent: { sql: string; params: unknown[]; inTransaction: boolean }[] = [];
  let inTransaction = false;
  const txHost = {
    isTransactionActive: () => inTransaction,
    withTransaction: async (_propagation: unknown, fn: () => Promise<void>) => {
      inTransaction = true;
      try {
        await fn();
      } finally {
        inTransaction = false;
      }
    },
    tx: {
      query: async (sql: string, params: unknown[]) => {
        sent.push({ sql, params, inTransaction });
        return [];
      },
      queryRunner: undefined,
    },
  };
  // inside a deferWrites handler, the CLS context holds where its messages are collected
  const cls = { isActive: () => deferred !== undefined, get: () => deferred };
  const notifier = { written: () => undefined };
  const writer = new OutboxWriter(
    txHost as unknown as TransactionHost,
    notifier as unknown as OutboxNotifier,
    cls as unknown as ClsService,
  );
  return { writer, sent };
}

const order = (i: number) =>
  new OrderPlaced_v1({
    order_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    shop_id: '00000000-0000-4000-8000-000000000000',
    quantity: 1,
    customer_email: 'a@b.c',
  });

describe('OutboxWriter', () => {
  it('writes outbox and events-store rows in one statement, numbering every parameter once', async () => {
    const { writer, sent } = writerWithLog();
    await writer.append([order(1), order(2)]);
    expect(sent).toHaveLength(1);
    const { sql, params, inTransaction } = sent[0];
    expect(inTransaction).toBe(false); // one statement needs no transaction
    const numbers = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.max(...numbers)).toBe(params.length);
    expect(params).toHaveLength(2 * 7 + 2 * 4);
  });

  it('splits a very large batch into statements of one transaction, under the parameter limit', async () => {
    const { writer, sent } = writerWithLog();
    const n = MAX_MESSAGES_PER_STATEMENT * 3 + 1; // 66,011 parameters in one statement
    await writer.append(Array.from({ length: n }, (_, i) => order(i)));
    expect(sent).toHaveLength(4);
    expect(sent.every((s) => s.inTransaction)).toBe(true);
    expect(sent.every((s) => s.params.length <= 65_535)).toBe(true);
    expect(sent.reduce((sum, s) => sum + s.params.length, 0)).toBe(n * 11);
  });

  it('refuses more messages than one statement can carry in changeWith', async () => {
    const { writer } = writerWithLog();
    const many = Array.from({ length: MAX_MESSAGES_PER_STATEMENT + 1 }, (_, i) => order(i));
    await expect(
      writer.changeWith({ ctes: [['gate', 'SELECT 1']], params: [] }, many),
    ).rejects.toThrow('at most');
  });

  it('inside a deferWrites handler, collects what append() is given and refuses changeWith', async () => {
    const collected: DeferredWrites = { messages: [] };
    const { writer, sent } = writerWithLog(collected);
    await writer.append([order(1)]);
    expect(collected.messages).toHaveLength(1);
    await expect(
      writer.changeWith({ ctes: [['gate', 'SELECT 1']], params: [] }, [order(2)]),
    ).rejects.toThrow('not for deferWrites handlers');
    expect(sent).toEqual([]); // nothing reached the database
  });

  it('inside a deferWrites handler, deferChange collects one change and its messages', () => {
    const collected: DeferredWrites = { messages: [] };
    const { writer, sent } = writerWithLog(collected);
    const change = {
      ctes: [['refund', 'INSERT … RETURNING 1']] as [string, string][],
      params: [1],
    };
    const message = order(1);
    writer.deferChange(change, [message]);
    expect(collected).toEqual({ messages: [message], change });
    expect(() => writer.deferChange(change, [])).toThrow('one change');
    expect(sent).toEqual([]);
  });

  it('refuses deferChange outside a deferWrites handler', () => {
    const { writer } = writerWithLog();
    expect(() => writer.deferChange({ ctes: [['g', 'SELECT 1']], params: [] }, [])).toThrow(
      'for deferWrites handlers',
    );
  });
});
