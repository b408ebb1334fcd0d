import { Semaphore } from '../semaphore';
import {
  CommitSharing,
  HandedOver,
  JOINED_LOCK_TIMEOUT_MS,
  LockWaitWhileJoined,
} from './begin-with';
import { inTransactionDedupeStep, recordHandledLiterally } from './dedupe-in-transaction.step';
import { WAIT_IN_PLACE } from './retry.step';
import { slotStep } from './slot.step';
import { Delivery, Outcome } from './step';

/**
 * One connection (a pool of one) that keeps PostgreSQL's transaction state: a statement in an
 * aborted transaction is refused with 25P02 until ROLLBACK or ROLLBACK TO SAVEPOINT.
 */
function oneConnection(
  answers: {
    commit?: 'fails';
    /** The connection is lost at the first ROLLBACK TO SAVEPOINT. */
    rollbackToSavepoint?: 'fails';
    /** The first dedupe record of this message id fails (a statement timeout). */
    recordFailsOnce?: string;
    /** This message id was handled before: its record inserts nothing. */
    handledBefore?: string;
  } = {},
) {
  const wire: string[] = [];
  let aborted = false;
  let recordFailed = false;
  let current: unknown;
  const client = {
    /** What a handler does when it swallows the error of a failed statement. */
    failStatement: () => (aborted = true),
    /** Runs each statement of a simple query in turn; the first error stops it, as PostgreSQL does. */
    query: async (sql: string) => {
      wire.push(sql.replace(/\s+/g, ' '));
      const results = sql.split('; ').map((statement) => {
        if (statement.startsWith('ROLLBACK TO SAVEPOINT') && answers.rollbackToSavepoint) {
          throw new Error('connection lost');
        }
        if (statement === 'ROLLBACK' || statement.startsWith('ROLLBACK TO SAVEPOINT')) {
          aborted = false;
          return { command: 'ROLLBACK', rows: [] };
        }
        if (aborted) {
          throw Object.assign(new Error('current transaction is aborted'), { code: '25P02' });
        }
        if (statement === 'COMMIT' && answers.commit === 'fails')
          throw new Error('connection lost');
        const of = (id?: string) => id !== undefined && statement.includes(`'${id}'`);
        if (statement.startsWith('INSERT') && of(answers.recordFailsOnce) && !recordFailed) {
          recordFailed = aborted = true;
          throw Object.assign(new Error('canceling statement due to statement timeout'), {
            code: '57014',
          });
        }
        if (statement.startsWith('INSERT')) {
          return { command: 'INSERT', rows: of(answers.handledBefore) ? [] : [{ '?column?': 1 }] };
        }
        const command = statement.startsWith('START') ? 'BEGIN' : statement.split(' ')[0];
        return { command, rows: [] };
      });
      return results.length === 1 ? results[0] : results;
    },
  };
  const runner: any = {
    isTransactionActive: false,
    transactionDepth: 0,
    connect: async () => client,
    broadcaster: { broadcast: async (event: string) => void wire.push(event) },
    rollbackTransaction: async () => {
      wire.push('ROLLBACK');
      aborted = false;
      runner.isTransactionActive = false;
    },
    release: async () => void wire.push('release'),
  };
  runner.manager = { connection: { createQueryRunner: () => runner } };
  const txHost = {
    isTransactionActive: () => false, // each delivery runs in a fresh context of its own
    setTxInstance: (tx: unknown) => (current = tx),
    get tx() {
      return current ?? runner.manager;
    },
  };
  return { wire, client, txHost: txHost as any };
}

const delivery = (id: string): Delivery => ({
  entry: { key: 'k', destination: 'd', id, fields: { message_id: `M-${id}` } },
  delivery: 1,
  message: { header: { id } } as any,
  offTask: WAIT_IN_PLACE,
});
const record = (id: string) =>
  `INSERT INTO processed_messages (handler, message_id) VALUES ('h', 'm-${id}') ON CONFLICT DO NOTHING RETURNING 1`;
/** What a holder sends to pass its transaction on to waiting message `id` (savepoint n). */
const joins = (n: number, id: string) =>
  `SAVEPOINT shared_${n}; SET LOCAL lock_timeout = ${JOINED_LOCK_TIMEOUT_MS}; ${record(id)}`;
/** The wire after message `n`'s savepoint is undone: the messages before it commit without it. */
const undoneAlone = (n: number) => [`ROLLBACK TO SAVEPOINT shared_${n}`, 'COMMIT', 'release'];
/** A handler error whose statement waited past lock_timeout, as pg or TypeORM reports it. */
const lockTimeout = (code: { code: string } | { driverError: { code: string } }) => () => {
  throw Object.assign(new Error('canceling statement due to lock timeout'), code);
};
/** What a message that swallowed a failed statement fails with. */
const SWALLOWED = new Error(
  'a statement of the transaction had failed: the handler swallowed its error',
);
const SHARE: CommitSharing = { messages: 16, withinMs: 60_000 };
const ok = () => undefined;

/**
 * The slot and dedupe steps on one connection slot: `attempt` runs a delivery through both, its
 * handler noting itself on the wire, running `handle`, then giving the others a turn to queue.
 */
function oneSlot(fake: ReturnType<typeof oneConnection>, sharing: CommitSharing = SHARE) {
  const slot = slotStep(new Semaphore<HandedOver>(1), false, (x) => recordHandledLiterally('h', x));
  const dedupe = inTransactionDedupeStep(fake.txHost, 'h', sharing);
  const attempt = (x: Delivery, handle: () => Promise<void> | void = ok) =>
    slot(x, () =>
      dedupe(x, async (): Promise<Outcome> => {
        fake.wire.push(`handler ${x.entry.id}`);
        await handle();
        await new Promise((r) => setImmediate(r)); // the others are waiting for the slot by now
        return 'ok';
      }),
    );
  return { slot, attempt };
}

/** Deliveries 1…n through oneSlot, all waiting at once; each notes on the wire when handled. */
function run(
  fake: ReturnType<typeof oneConnection>,
  handlers: Array<() => Promise<void> | void>,
  sharing: CommitSharing = SHARE,
) {
  const { attempt } = oneSlot(fake, sharing);
  return Promise.allSettled(
    handlers.map((handle, i) =>
      attempt(delivery(String(i + 1)), handle).then((o) => {
        fake.wire.push(`handled ${i + 1}`);
        return o;
      }),
    ),
  );
}

describe('messages sharing one COMMIT (CommitSharing)', () => {
  it('runs waiting messages in savepoints of one transaction, and none counts as handled before its COMMIT', async () => {
    const fake = oneConnection();
    const outcomes = await run(fake, [ok, ok, ok]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(fake.wire).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'handler 1',
      joins(2, '2'),
      'handler 2',
      joins(3, '3'),
      'handler 3',
      'BeforeTransactionCommit',
      'RELEASE SAVEPOINT shared_3; COMMIT', // refused if message 3 had aborted the transaction
      'AfterTransactionCommit', // once, for all three: the relay is woken for what they wrote
      'release',
      ...['handled 1', 'handled 2', 'handled 3'].map(() => expect.stringMatching(/^handled/)),
    ]);
  });

  it('commits after `messages` of them and hands the next one a transaction of its own', async () => {
    const fake = oneConnection();
    await run(fake, [ok, ok, ok], { messages: 2, withinMs: 60_000 });
    expect(fake.wire.filter((w) => !w.startsWith('handle') && !w.endsWith('Commit'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      joins(2, '2'),
      `RELEASE SAVEPOINT shared_2; COMMIT; START TRANSACTION; ${record('3')}`,
      'COMMIT',
      'release',
    ]);
  });

  it('lets no message join a transaction older than `withinMs`', async () => {
    const fake = oneConnection();
    await run(fake, [ok, ok], { messages: 16, withinMs: 0 });
    expect(fake.wire.filter((w) => !w.startsWith('handle') && !w.endsWith('Commit'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      `COMMIT; START TRANSACTION; ${record('2')}`,
      'COMMIT',
      'release',
    ]);
  });

  it('undoes a failing message alone: the ones before it commit, it fails (and is retried), the next begins anew', async () => {
    const fake = oneConnection();
    const outcomes = await run(fake, [
      ok,
      () => {
        throw new Error('handler 2 failed');
      },
      ok,
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(fake.wire.filter((w) => !w.endsWith('Commit'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'handler 1',
      joins(2, '2'),
      'handler 2',
      ...undoneAlone(2), // its record and writes go; message 1's stay
      'handled 1', // message 2 failed: not handled
      `START TRANSACTION; ${record('3')}`,
      'handler 3',
      'COMMIT',
      'release',
      'handled 3',
    ]);
  });

  it('a joined message that waited too long for a lock is undone alone and fails as LockWaitWhileJoined (retried at once, alone)', async () => {
    const fake = oneConnection();
    const outcomes = await run(fake, [ok, lockTimeout({ driverError: { code: '55P03' } }), ok]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(LockWaitWhileJoined);
    expect(fake.wire.filter((w) => !w.endsWith('Commit')).slice(0, 6)).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'handler 1',
      joins(2, '2'),
      'handler 2',
      'ROLLBACK TO SAVEPOINT shared_2', // the locks of message 1 go with its COMMIT
      'COMMIT',
    ]);
  });

  it('a lock timeout of a message that began the transaction (no one joined yet) stays its own error', async () => {
    const fake = oneConnection();
    const [first] = await run(fake, [lockTimeout({ code: '55P03' })]);
    expect((first as PromiseRejectedResult).reason).not.toBeInstanceOf(LockWaitWhileJoined);
  });

  it('a message that swallowed a failed statement is refused its successor’s savepoint: it alone is undone and fails', async () => {
    const fake = oneConnection();
    const outcomes = await run(fake, [ok, () => void fake.client.failStatement(), ok]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(outcomes[1]).toMatchObject({
      status: 'rejected',
      reason: SWALLOWED,
    });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(fake.wire.filter((w) => !w.endsWith('Commit') && !w.startsWith('handle'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      joins(2, '2'),
      joins(3, '3'), // refused: 25P02
      ...undoneAlone(2),
      `START TRANSACTION; ${record('3')}`,
      'COMMIT',
      'release',
    ]);
  });

  it('the last message swallowed a failed statement: its RELEASE is refused, it alone is undone and fails, the others commit', async () => {
    const fake = oneConnection();
    const outcomes = await run(fake, [ok, ok, () => void fake.client.failStatement()]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(outcomes[2]).toMatchObject({
      reason: SWALLOWED,
    });
    expect(fake.wire.filter((w) => !w.endsWith('Commit') && !w.startsWith('handle'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      joins(2, '2'),
      joins(3, '3'),
      'RELEASE SAVEPOINT shared_3; COMMIT', // refused: 25P02, and the COMMIT did not run
      ...undoneAlone(3),
    ]);
  });

  it('a message waits for the COMMIT it shares where its delivery says (holding no task slot there)', async () => {
    const fake = oneConnection();
    const { attempt } = oneSlot(fake);
    const waitedOutside: string[] = [];
    const waitingOutside = (id: string): Delivery => ({
      ...delivery(id),
      offTask: { ...WAIT_IN_PLACE, during: <T>(p: Promise<T>) => (waitedOutside.push(id), p) },
    });
    const both = [attempt(waitingOutside('1')), attempt(waitingOutside('2'))];
    expect(await Promise.all(both)).toEqual(['ok', 'ok']);
    expect(waitedOutside).toEqual(['1']); // 1 joined-and-waited; 2 committed for both
  });

  it('when only the waiter’s record fails after the savepoint, it is undone: the holder commits, the waiter begins alone', async () => {
    const fake = oneConnection({ recordFailsOnce: 'm-2' });
    const outcomes = await run(fake, [ok, ok]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(fake.wire.filter((w) => !w.endsWith('Commit') && !w.startsWith('handled'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'handler 1',
      joins(2, '2'), // the record fails: 57014
      ...undoneAlone(2),
      `START TRANSACTION; ${record('2')}`,
      'handler 2',
      'COMMIT',
      'release',
    ]);
  });

  it('a message handled before joins, runs no handler, and commits with the others', async () => {
    const fake = oneConnection({ handledBefore: 'm-2' });
    const { attempt } = oneSlot(fake);
    const outcomes = await Promise.all(['1', '2', '3'].map((id) => attempt(delivery(id))));
    expect(outcomes).toEqual(['ok', 'duplicate', 'ok']);
    expect(fake.wire.filter((w) => !w.endsWith('Commit'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'handler 1',
      joins(2, '2'), // no row: handled before
      joins(3, '3'),
      'handler 3',
      'RELEASE SAVEPOINT shared_3; COMMIT',
      'release',
    ]);
  });

  it('a connection lost while a failing message is undone fails the messages before it too (their retries find no record)', async () => {
    const fake = oneConnection({ rollbackToSavepoint: 'fails' });
    const outcomes = await run(fake, [
      ok,
      () => {
        throw new Error('handler 2 failed');
      },
      ok,
    ]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('connection lost') },
      { status: 'rejected', reason: new Error('handler 2 failed') },
      { status: 'fulfilled', value: 'ok' },
    ]);
    expect(fake.wire.filter((w) => !w.endsWith('Commit') && !w.startsWith('handle'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      joins(2, '2'),
      'ROLLBACK TO SAVEPOINT shared_2', // the connection is lost
      'ROLLBACK',
      'release',
      `START TRANSACTION; ${record('3')}`,
      'COMMIT',
      'release',
    ]);
  });

  it('a full transaction whose last message swallowed a failed statement: its RELEASE, sent with the COMMIT that hands on, is refused; it alone is undone, the waiter begins alone', async () => {
    const fake = oneConnection();
    const outcomes = await run(fake, [ok, () => void fake.client.failStatement(), ok], {
      messages: 2,
      withinMs: 60_000,
    });
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({
      reason: SWALLOWED,
    });
    expect(fake.wire.filter((w) => !w.endsWith('Commit') && !w.startsWith('handle'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      joins(2, '2'),
      `RELEASE SAVEPOINT shared_2; COMMIT; START TRANSACTION; ${record('3')}`, // refused: 25P02
      ...undoneAlone(2),
      `START TRANSACTION; ${record('3')}`,
      'COMMIT',
      'release',
    ]);
  });

  it('a failed COMMIT fails every message of the transaction: none is acknowledged', async () => {
    const fake = oneConnection({ commit: 'fails' });
    const outcomes = await run(fake, [ok, ok, ok]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('connection lost') },
      { status: 'rejected', reason: new Error('connection lost') },
      { status: 'rejected', reason: new Error('connection lost') },
    ]);
  });

  it('a message handed a savepoint that never reaches its dedupe step gives it back: the others commit', async () => {
    const fake = oneConnection();
    const { slot, attempt } = oneSlot(fake);
    const first = attempt(delivery('1'));
    const broken = slot(delivery('2'), () => Promise.reject(new Error('before the dedupe step')));
    await expect(broken).rejects.toThrow('before the dedupe step');
    await expect(first).resolves.toBe('ok');
    expect(fake.wire.filter((w) => !w.endsWith('Commit') && !w.startsWith('handler'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      joins(2, '2'),
      ...undoneAlone(2),
    ]);
  });
});
