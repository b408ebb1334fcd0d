import { ClsServiceManager } from 'nestjs-cls';
import { CORRELATION_ID } from '../../../platform/context/request-context';
import { contextStep } from './context.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery } from './step';

const cls = ClsServiceManager.getClsService();
const delivery = (fields: Record<string, string>): Delivery => ({
  entry: { key: 'k', destination: 'd', id: '1-0', fields },
  delivery: 1,
  offTask: WAIT_IN_PLACE,
});

describe('contextStep', () => {
  it('runs the rest with the message’s correlation id in a context of its own', async () => {
    let seen: unknown;
    await contextStep(cls)(delivery({ correlation_id: 'c-1' }), async () => {
      seen = cls.get(CORRELATION_ID);
      return 'ok';
    });
    expect(seen).toBe('c-1');
    expect(cls.isActive()).toBe(false);
  });

  it('gives a message without one a fresh correlation id', async () => {
    let seen: unknown;
    await contextStep(cls)(delivery({}), async () => {
      seen = cls.get(CORRELATION_ID);
      return 'ok';
    });
    expect(seen).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('inside another context (a batch’s transaction) keeps what that one holds', async () => {
    let seen: unknown[] = [];
    await cls.run(async () => {
      cls.set('tx', 'the batch transaction');
      await contextStep(cls)(delivery({ correlation_id: 'c-2' }), async () => {
        seen = [cls.get('tx'), cls.get(CORRELATION_ID)];
        return 'ok';
      });
    });
    expect(seen).toEqual(['the batch transaction', 'c-2']);
  });
});
