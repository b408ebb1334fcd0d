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
