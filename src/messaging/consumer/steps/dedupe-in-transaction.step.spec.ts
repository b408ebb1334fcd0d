import { inTransactionDedupeStep, RECORD_HANDLED } from './dedupe-in-transaction.step';
import { WAIT_IN_PLACE } from './retry.step';
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
  retryWait: WAIT_IN_PLACE,
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
function fakeRunnerTx(recordIsNew: boolean, failing?: string) {
  const wire: string[] = [];
  let current: unknown;
  const runner = {
    isTransactionActive: false,
    transactionDepth: 0,
    manager: { name: 'the runner’s manager' },
    connect: async () => client,
    commitTransaction: async () => void wire.push('COMMIT'),
    rollbackTransaction: async () => void wire.push('ROLLBACK'),
    release: async () => void wire.push('release'),
  };
  const client = {
    query: async (sql: string) => {
      wire.push(sql.replace(/\s+/g, ' '));
      if (failing && sql.includes(failing)) throw new Error('connection lost');
      return [{ rows: [] }, { rows: recordIsNew ? [{ '?column?': 1 }] : [] }];
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
    expect(runner).toMatchObject({ isTransactionActive: true, transactionDepth: 1 });
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
