import { ClsServiceManager } from 'nestjs-cls';
import { DEFERRED_WRITES, DeferredWrites } from '../../outbox.writer';
import { deferredWritesDedupeStep } from './dedupe-deferred.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome } from './step';

const cls = ClsServiceManager.getClsService();
const d: Delivery = {
  entry: { key: 'k', destination: 'd', id: '1-0', fields: { message_id: 'm-1' } },
  delivery: 1,
  message: { header: { id: 'x' } } as any,
  offTask: WAIT_IN_PLACE,
};

function setup(seenBefore: boolean, recordIsNew = true) {
  const log: string[] = [];
  const txHost = {
    tx: {
      query: async (sql: string) => {
        log.push(`query ${sql.split(' ')[0]}`);
        return seenBefore ? [1] : [];
      },
    },
  };
  const writer = {
    changeWith: async (change: { params: unknown[] }, messages: unknown[]) => {
      log.push(`write ${change.params.join(',')} +${messages.length} messages`);
      return recordIsNew ? [1] : [];
    },
  };
  const step = deferredWritesDedupeStep({ txHost, cls, writer } as any, 'h');
  return { log, step };
}

describe('deferredWritesDedupeStep', () => {
  it('runs the handler outside a transaction, then writes its messages with the record', async () => {
    const { log, step } = setup(false);
    const next = async (): Promise<Outcome> => {
      const deferred = cls.get<DeferredWrites>(DEFERRED_WRITES);
      deferred.messages.push({} as any);
      log.push('handler');
      return 'ok';
    };
    expect(await cls.run(() => step(d, next))).toBe('ok');
    expect(log).toEqual(['query SELECT', 'handler', 'write h,m-1 +1 messages']);
  });

  it('skips a message already recorded, without running the handler', async () => {
    const { log, step } = setup(true);
    const next = jest.fn();
    expect(await cls.run(() => step(d, next))).toBe('duplicate');
    expect(next).not.toHaveBeenCalled();
    expect(log).toEqual(['query SELECT']);
  });

  it('reports a duplicate when another consumer recorded it meanwhile (nothing written twice)', async () => {
    const { step } = setup(false, false);
    expect(await cls.run(() => step(d, async () => 'ok'))).toBe('duplicate');
  });

  it('collects nothing past the handler: a failure leaves no deferred writes behind', async () => {
    const { log, step } = setup(false);
    await cls.run(async () => {
      const boom = async (): Promise<Outcome> => {
        throw new Error('gateway down');
      };
      await expect(step(d, boom)).rejects.toThrow('gateway down');
      expect(cls.get(DEFERRED_WRITES)).toBeUndefined();
    });
    expect(log).toEqual(['query SELECT']);
  });
});
