import { DataSource, QueryRunner, TransactionCommitEvent } from 'typeorm';
import { StreamNames } from './messaging.tokens';
import { OutboxNotifier } from './outbox.notifier';

/** A DataSource whose queries are recorded and answered when the test says so. */
function fakeDb() {
  const sent: unknown[][] = [];
  const answers: (() => void)[] = [];
  const db = {
    subscribers: [] as unknown[],
    query: (sql: string, params: unknown[]) => {
      sent.push([sql, ...params]);
      return new Promise<void>((resolve) => answers.push(resolve));
    },
  };
  const answerAll = async () => {
    answers.splice(0).forEach((answer) => answer());
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return { db, sent, answerAll };
}

/** What TypeORM hands subscribers after a commit of a transaction that wrote outbox rows. */
function commitOf(notifier: OutboxNotifier): void {
  const queryRunner = { isTransactionActive: true, data: {} } as unknown as QueryRunner;
  notifier.written(queryRunner);
  Object.assign(queryRunner, { isTransactionActive: false });
  notifier.afterTransactionCommit({ queryRunner } as TransactionCommitEvent);
}

describe('OutboxNotifier', () => {
  const names = new StreamNames('t:', 'svc');

  it('without a relay in this process, NOTIFYs the relays of other processes after the commit', async () => {
    const { db, sent, answerAll } = fakeDb();
    const notifier = new OutboxNotifier(db as unknown as DataSource, names);
    commitOf(notifier);
    expect(sent).toEqual([[`SELECT pg_notify($1, '')`, names.outboxChannel]]);
    await answerAll();
  });

  it('sends one NOTIFY at a time: commits meanwhile are covered by one more after it', async () => {
    const { db, sent, answerAll } = fakeDb();
    const notifier = new OutboxNotifier(db as unknown as DataSource, names);
    commitOf(notifier);
    commitOf(notifier);
    commitOf(notifier);
    expect(sent).toHaveLength(1);
    await answerAll();
    expect(sent).toHaveLength(2);
    await answerAll();
    expect(sent).toHaveLength(2);
  });

  it('with a relay in this process, wakes it and sends no NOTIFY (it publishes the rows itself)', async () => {
    const { db, sent } = fakeDb();
    const notifier = new OutboxNotifier(db as unknown as DataSource, names);
    const wake = jest.fn();
    const stop = notifier.onCommitted(wake);
    commitOf(notifier);
    notifier.written(undefined); // a write outside any transaction: committed already
    expect(wake).toHaveBeenCalledTimes(2);
    expect(sent).toEqual([]);

    stop(); // its relay shut down: the other processes' relays are told again
    commitOf(notifier);
    expect(wake).toHaveBeenCalledTimes(2);
    expect(sent).toHaveLength(1);
  });

  it('does not wake anything for a commit that wrote no outbox row', () => {
    const { db, sent } = fakeDb();
    const notifier = new OutboxNotifier(db as unknown as DataSource, names);
    const wake = jest.fn();
    notifier.onCommitted(wake);
    const queryRunner = { isTransactionActive: false, data: {} } as unknown as QueryRunner;
    notifier.afterTransactionCommit({ queryRunner } as TransactionCommitEvent);
    expect(wake).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
  });
});
