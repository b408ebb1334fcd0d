import { Semaphore } from '../semaphore';
import { HandedOver } from './begin-with';
import {
  inTransactionDedupeStep,
  RECORD_HANDLED,
  recordHandledLiterally,
} from './dedupe-in-transaction.step';
import { WAIT_IN_PLACE } from './retry.step';
import { slotStep } from './slot.step';
import { Delivery, Outcome } from './step';

/** A transaction host that logs what runs inside and outside its one transaction. */
function fakeTx(recordIsNew: boolean) {
  const log: string[] = [];
  let open = false;
  const txHost = {
    withTransaction: async <T>(work: () => Promise<T>) => {
      open = true;
      log.push('begin');
      try {
        const result = await work();
        log.push('commit');
        return result;
      } catch (e) {
        log.push('rollback');
        throw e;
      } finally {
        open = false;
      }
    },
    tx: {
      query: async (sql: string, params: unknown[]) => {
        log.push(
          `${open ? 'in tx' : 'outside'}: ${sql === RECORD_HANDLED ? 'record' : sql} ${params.join(',')}`,
        );
        return recordIsNew ? [1] : [];
      },
    },
  };
  return { log, txHost: txHost as any };
}

const d: Delivery = {
  entry: { key: 'k', destination: 'd', id: '1-0', fields: { message_id: 'M-1' } },
  delivery: 1,
  message: { header: { id: 'x' } } as any,
  offTask: WAIT_IN_PLACE,
};

describe('inTransactionDedupeStep', () => {
  it('records the message and runs the handler in one transaction', async () => {
    const { log, txHost } = fakeTx(true);
    const next = async (): Promise<Outcome> => {
      log.push('handler');
      return 'ok';
    };
    expect(await inTransactionDedupeStep(txHost, 'h')(d, next)).toBe('ok');
    expect(log).toEqual(['begin', 'in tx: record h,m-1', 'handler', 'commit']);
  });

  it('skips the handler for a message it handled before', async () => {
    const { txHost } = fakeTx(false);
    const next = jest.fn();
    expect(await inTransactionDedupeStep(txHost, 'h')(d, next)).toBe('duplicate');
    expect(next).not.toHaveBeenCalled();
  });

  it('rolls the record back with the handler’s failure, so a retry runs it again', async () => {
    const { log, txHost } = fakeTx(true);
    const boom = async (): Promise<Outcome> => {
      throw new Error('boom');
    };
    await expect(inTransactionDedupeStep(txHost, 'h')(d, boom)).rejects.toThrow('boom');
    expect(log[log.length - 1]).toBe('rollback');
  });
});

/**
 * The real host's shape (setTxInstance, a TypeORM query runner under the data source): what
 * reaches PostgreSQL, in order, and which manager the handler sees as `txHost.tx`.
 */
/**
 * How PostgreSQL answers the hand-over's `COMMIT; START TRANSACTION; <record>`: all of it; an
 * error before the COMMIT took effect; the COMMIT done and the record failing (the session is
 * then in the next transaction, aborted); a COMMIT answered with ROLLBACK (a failed transaction).
 */
type HandOverAnswer = 'ok' | 'commit-fails' | 'record-fails' | 'commit-rolls-back';

/** How PostgreSQL answers a plain COMMIT: done, or ROLLBACK (the transaction had failed). */
type CommitAnswer = 'COMMIT' | 'ROLLBACK';

function fakeRunnerTx(
  recordIsNew: boolean,
  failing?: string,
  handOver: HandOverAnswer = 'ok',
  commitAnswer: CommitAnswer = 'COMMIT',
) {
  let aborted = false;
  const wire: string[] = [];
  let current: unknown;
  const runner = {
    isTransactionActive: false,
    transactionDepth: 0,
    manager: { name: 'the runner’s manager' },
    connect: async () => client,
    broadcaster: { broadcast: async () => undefined },
    rollbackTransaction: async () => void wire.push('ROLLBACK'),
    release: async () => void wire.push('release'),
  };
  const client = {
    query: async (sql: string) => {
      wire.push(sql.replace(/\s+/g, ' '));
      if (failing && sql.includes(failing)) throw new Error('connection lost');
      if (sql === 'ROLLBACK') aborted = false;
      if (aborted)
        throw Object.assign(new Error('current transaction is aborted'), { code: '25P02' });
      if (sql === 'COMMIT') return { command: commitAnswer, rows: [] };
      const record = { command: 'INSERT', rows: recordIsNew ? [{ '?column?': 1 }] : [] };
      if (!sql.startsWith('COMMIT;')) return [{ command: 'BEGIN', rows: [] }, record];
      if (handOver === 'commit-fails') throw new Error('connection lost');
      if (handOver === 'record-fails') {
        aborted = true;
        throw new Error('canceling statement due to statement timeout');
      }
      const commit = handOver === 'commit-rolls-back' ? 'ROLLBACK' : 'COMMIT';
      return [{ command: commit, rows: [] }, { command: 'BEGIN', rows: [] }, record];
    },
  };
  const txHost = {
    isTransactionActive: () => current !== undefined,
    setTxInstance: (tx: unknown) => (current = tx),
    get tx() {
      return current ?? { connection: { createQueryRunner: () => runner } };
    },
  };
  return { wire, runner, txHost: txHost as any, seen: () => current };
}

describe('inTransactionDedupeStep on a TypeORM query runner', () => {
  it('sends START TRANSACTION and the record in one query, runs the handler in it, commits', async () => {
    const { wire, runner, txHost } = fakeRunnerTx(true);
    let handlerSaw: unknown;
    const next = async (): Promise<Outcome> => {
      handlerSaw = txHost.tx;
      wire.push('handler');
      return 'ok';
    };
    expect(await inTransactionDedupeStep(txHost, "h'x")(d, next)).toBe('ok');
    expect(wire).toEqual([
      "START TRANSACTION; INSERT INTO processed_messages (handler, message_id) VALUES ('h''x', 'm-1') ON CONFLICT DO NOTHING RETURNING 1",
      'handler',
      'COMMIT',
      'release',
    ]);
    expect(handlerSaw).toBe(runner.manager);
    expect(runner).toMatchObject({ isTransactionActive: false, transactionDepth: 0 }); // ended
    expect(txHost.isTransactionActive()).toBe(false); // not the current one after it
  });

  it('skips the handler for a message it handled before', async () => {
    const { wire, txHost } = fakeRunnerTx(false);
    const next = jest.fn();
    expect(await inTransactionDedupeStep(txHost, 'h')(d, next)).toBe('duplicate');
    expect(next).not.toHaveBeenCalled();
    expect(wire.slice(1)).toEqual(['COMMIT', 'release']);
  });

  it('rolls the record back with the handler’s failure, so a retry runs it again', async () => {
    const { wire, txHost } = fakeRunnerTx(true);
    const boom = async (): Promise<Outcome> => {
      throw new Error('boom');
    };
    await expect(inTransactionDedupeStep(txHost, 'h')(d, boom)).rejects.toThrow('boom');
    expect(wire.slice(1)).toEqual(['ROLLBACK', 'release']);
  });

  it('ends the block and gives the connection back when the first query fails', async () => {
    const { wire, txHost } = fakeRunnerTx(true, 'START');
    const next = jest.fn();
    await expect(inTransactionDedupeStep(txHost, 'h')(d, next)).rejects.toThrow('connection lost');
    expect(next).not.toHaveBeenCalled();
    expect(wire.slice(1)).toEqual(['ROLLBACK', 'release']);
  });
});

describe('inTransactionDedupeStep committing on its own', () => {
  it('fails the attempt when PostgreSQL answers its COMMIT with ROLLBACK (a swallowed error), so the message is not acknowledged', async () => {
    const { wire, txHost } = fakeRunnerTx(true, undefined, 'ok', 'ROLLBACK');
    const next = async (): Promise<Outcome> => 'ok';
    await expect(inTransactionDedupeStep(txHost, 'h')(d, next)).rejects.toThrow(
      'COMMIT rolled the transaction back',
    );
    expect(wire.slice(1)).toEqual(['COMMIT', 'release']);
  });
});

describe('inTransactionDedupeStep handing its connection on', () => {
  /** One runner, as a pool of one connection would give; the wire in order, events included. */
  function wired(handOver: HandOverAnswer = 'ok') {
    const fake = fakeRunnerTx(true, undefined, handOver);
    const broadcaster = {
      broadcast: async (event: string) => void fake.wire.push(event),
    };
    Object.assign(fake.runner, { broadcaster });
    // Each delivery runs in a CLS context of its own, where no transaction is open yet; this
    // fake keeps one `current` for all, so it answers for a fresh context.
    fake.txHost.isTransactionActive = () => false;
    Object.assign(fake.runner.manager, { connection: { createQueryRunner: () => fake.runner } });
    return fake;
  }
  const delivery = (id: string): Delivery => ({
    ...d,
    entry: { ...d.entry, id, fields: { message_id: `M-${id}` } },
  });
  const through = (txHost: any, slots: Semaphore<HandedOver>) => {
    const dedupe = inTransactionDedupeStep(txHost, 'h');
    const slot = slotStep(slots, false, (x) => recordHandledLiterally('h', x));
    return (x: Delivery, next: () => Promise<Outcome>) => slot(x, () => dedupe(x, next));
  };
  const record = (id: string) =>
    `INSERT INTO processed_messages (handler, message_id) VALUES ('h', 'm-${id}') ON CONFLICT DO NOTHING RETURNING 1`;

  it('sends the next waiting message’s START TRANSACTION and record with its COMMIT, and hands it the runner', async () => {
    const { wire, runner, txHost } = wired();
    const step = through(txHost, new Semaphore<HandedOver>(1));
    const saw: unknown[] = [];
    const handler = (name: string) => async (): Promise<Outcome> => {
      saw.push(txHost.tx);
      wire.push(name);
      await new Promise((r) => setImmediate(r));
      return 'ok';
    };
    const outcomes = await Promise.all([
      step(delivery('1'), handler('handler 1')),
      step(delivery('2'), handler('handler 2')),
    ]);
    expect(outcomes).toEqual(['ok', 'ok']);
    expect(wire).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'handler 1',
      'BeforeTransactionCommit',
      `COMMIT; START TRANSACTION; ${record('2')}`,
      'AfterTransactionCommit', // what OutboxNotifier wakes the relay on
      'handler 2',
      'BeforeTransactionCommit',
      'COMMIT',
      'AfterTransactionCommit',
      'release', // once: the connection went from the first message to the second
    ]);
    expect(saw).toEqual([runner.manager, runner.manager]);
  });

  it('when that query fails, fails the holder (its retry dedupes) and lets the waiter begin alone', async () => {
    const { wire, txHost } = wired('commit-fails');
    const step = through(txHost, new Semaphore<HandedOver>(1));
    const ran: string[] = [];
    const handler = (name: string) => async (): Promise<Outcome> => {
      ran.push(name);
      await new Promise((r) => setImmediate(r));
      return 'ok';
    };
    const [first, second] = await Promise.allSettled([
      step(delivery('1'), handler('1')),
      step(delivery('2'), handler('2')),
    ]);
    expect(first).toMatchObject({ status: 'rejected', reason: new Error('connection lost') });
    expect(second).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(ran).toEqual(['1', '2']);
    expect(wire.filter((w) => !w.endsWith('Commit'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      `COMMIT; START TRANSACTION; ${record('2')}`,
      'SELECT 1', // idle, not in the next one's transaction: the COMMIT did not go through
      'ROLLBACK',
      'release',
      `START TRANSACTION; ${record('2')}`,
      'COMMIT',
      'release',
    ]);
  });

  const twoThrough = async (txHost: any) => {
    const step = through(txHost, new Semaphore<HandedOver>(1));
    const handler = async (): Promise<Outcome> => {
      await new Promise((r) => setImmediate(r));
      return 'ok';
    };
    return Promise.allSettled([step(delivery('1'), handler), step(delivery('2'), handler)]);
  };

  it('when only the waiter’s statement fails after the COMMIT, the holder is handled and the waiter begins alone', async () => {
    const { wire, txHost } = wired('record-fails');
    const [first, second] = await twoThrough(txHost);
    expect(first).toEqual({ status: 'fulfilled', value: 'ok' }); // committed: not retried
    expect(second).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(wire).toEqual([
      `START TRANSACTION; ${record('1')}`,
      'BeforeTransactionCommit',
      `COMMIT; START TRANSACTION; ${record('2')}`,
      'SELECT 1', // refused in the next one's aborted transaction: the COMMIT went through
      'ROLLBACK',
      'release',
      'AfterTransactionCommit', // the relay is still woken for what the holder wrote
      `START TRANSACTION; ${record('2')}`,
      'BeforeTransactionCommit',
      'COMMIT',
      'AfterTransactionCommit',
      'release',
    ]);
  });

  it('a COMMIT that PostgreSQL answers with ROLLBACK fails the holder instead of acknowledging it', async () => {
    const { wire, txHost } = wired('commit-rolls-back');
    const [first, second] = await twoThrough(txHost);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: new Error('COMMIT rolled the transaction back: a statement in it had failed'),
    });
    expect(second).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(wire.filter((w) => !w.endsWith('Commit'))).toEqual([
      `START TRANSACTION; ${record('1')}`,
      `COMMIT; START TRANSACTION; ${record('2')}`,
      'ROLLBACK', // the waiter's transaction, begun in that query, goes too
      'release',
      `START TRANSACTION; ${record('2')}`,
      'COMMIT',
      'release',
    ]);
  });

  it('rolls back and releases a transaction handed to an attempt that never reached its dedupe step', async () => {
    const { wire, txHost } = wired();
    const slots = new Semaphore<HandedOver>(1);
    const step = through(txHost, slots);
    const slot = slotStep(slots, false, (x) => recordHandledLiterally('h', x));
    const first = step(delivery('1'), async () => {
      await new Promise((r) => setImmediate(r));
      return 'ok';
    });
    // An attempt that waits with a wish but fails before it begins (as a span step might).
    const broken = slot(delivery('2'), () =>
      Promise.reject(new Error('before the dedupe step')),
    ).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    expect(await first).toBe('ok');
    expect(await broken).toBe('before the dedupe step');
    expect(wire.slice(-3)).toEqual([
      'AfterTransactionCommit',
      'ROLLBACK', // the begun transaction nobody took
      'release',
    ]);
  });
});
