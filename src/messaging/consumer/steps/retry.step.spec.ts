import { Logger } from '@nestjs/common';
import { RetryLater } from '../../retry-later';
import { MAX_UNPROVEN_OUTAGE_RETRIES } from '../outage-counter';
import { LockWaitWhileJoined } from './begin-with';
import { GiveUp } from './dead-letter.step';
import { RetryOptions, retryStep } from './retry.step';
import { Delivery, Outcome } from './step';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
  code: 'ECONNREFUSED',
});

function setup(options: Partial<RetryOptions> = {}, delivery = 1, onWait = () => {}) {
  const waits: number[] = [];
  const d: Delivery = {
    entry: { key: 'k', destination: 'events.X_v1', id: '1-0', fields: { name: 'X_v1' } },
    delivery,
    message: { header: { id: 'm' } } as any,
    offTask: {
      wait: async (ms) => {
        waits.push(ms);
        onWait();
      },
    },
  };
  const logger = { log: jest.fn(), warn: jest.fn() } as unknown as Logger;
  const step = retryStep({
    handler: 'h',
    maxDeliveries: 5,
    retryInitialMs: 1,
    retryMaxMs: 2, // outage waits sleep for real: keep them short
    stopping: new AbortController().signal,
    databaseDown: async () => false,
    logger,
    ...options,
  });
  return { d, waits, logger, step };
}

/** A `next` that fails with the given errors in turn, then succeeds; records the deliveries. */
function failing(d: Delivery, errors: unknown[]) {
  const attempts: number[] = [];
  const next = async (): Promise<Outcome> => {
    attempts.push(d.delivery);
    if (attempts.length <= errors.length) throw errors[attempts.length - 1];
    return 'ok';
  };
  return { attempts, next };
}

describe('retryStep: counting deliveries', () => {
  it('retries a failing handler, counting each failed attempt as a delivery, waiting in offTask', async () => {
    const { d, waits, step } = setup();
    const { attempts, next } = failing(d, [new Error('a'), new Error('b')]);
    expect(await step(d, next)).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2); // each counted retry waits where the consumer says
  });

  it('gives up (dead-letter) on the failure of the MAX_DELIVERIES-th delivery, with its error', async () => {
    const { d, step } = setup({ maxDeliveries: 3 });
    const errors = [1, 2, 3, 4].map((i) => new Error(`fail ${i}`));
    const { attempts, next } = failing(d, errors);
    const given = await step(d, next).catch((e) => e);
    expect(given).toBeInstanceOf(GiveUp);
    expect(given.reason.message).toBe('fail 3');
    expect(attempts).toEqual([1, 2, 3]);
    expect(d.delivery).toBe(3);
  });

  it('continues the count of a claimed entry, and gives up on one claimed past the budget without running it', async () => {
    const claimed = setup({ maxDeliveries: 5 }, 4);
    const once = failing(claimed.d, [new Error('a')]);
    expect(await claimed.step(claimed.d, once.next)).toBe('ok');
    expect(once.attempts).toEqual([4, 5]);

    const spent = setup({ maxDeliveries: 5 }, 6);
    const next = jest.fn(async (): Promise<Outcome> => 'ok');
    const given = await spent.step(spent.d, next).catch((e) => e);
    expect(given.reason.message).toBe('claimed after 5 deliveries');
    expect(next).not.toHaveBeenCalled();
  });

  it('logs each retry and the final outcome with the delivery count', async () => {
    const { d, logger, step } = setup();
    await step(d, failing(d, [new Error('a')]).next);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ outcome: 'retry', delivery: 1, error: 'a' }),
    );
    expect(logger.log).toHaveBeenCalledWith(
      expect.objectContaining({ outcome: 'ok', delivery: 2 }),
    );
  });
});

describe('retryStep: outages are not counted', () => {
  it('does not count attempts that failed while PostgreSQL was down, and keeps the slot while waiting', async () => {
    const { d, waits, step } = setup({ maxDeliveries: 2, databaseDown: async () => true });
    const { attempts, next } = failing(d, Array(20).fill(refused));
    expect(await step(d, next)).toBe('ok');
    expect(attempts).toEqual(Array(21).fill(1)); // 20 outages, still the first delivery
    expect(waits).toEqual([]); // outage waits do not go through offTask
  });

  it('counts an outage-looking error with PostgreSQL up only after MAX_UNPROVEN_OUTAGE_RETRIES', async () => {
    const { d, step } = setup({ maxDeliveries: 1 });
    const { attempts, next } = failing(d, Array(MAX_UNPROVEN_OUTAGE_RETRIES + 1).fill(refused));
    await expect(step(d, next)).rejects.toBeInstanceOf(GiveUp);
    expect(attempts).toHaveLength(MAX_UNPROVEN_OUTAGE_RETRIES + 1);
  });

  it('does not count RetryLater (something busy) either, without pinging the database', async () => {
    const databaseDown = jest.fn(async () => true);
    const { d, step } = setup({ maxDeliveries: 1, databaseDown });
    const { attempts, next } = failing(d, [new RetryLater('lease held'), new RetryLater('again')]);
    expect(await step(d, next)).toBe('ok');
    expect(attempts).toEqual([1, 1, 1]);
    expect(databaseDown).not.toHaveBeenCalled();
  });
});

describe('retryStep: a lock wait in a shared transaction', () => {
  it('runs the message again at once and alone, without counting a delivery or waiting', async () => {
    const { d, waits, logger, step } = setup({ maxDeliveries: 1 });
    const alone: (boolean | undefined)[] = [];
    const { attempts, next } = failing(d, [new LockWaitWhileJoined(new Error('lock timeout'))]);
    expect(await step(d, () => (alone.push(d.alone), next()))).toBe('ok');
    expect(attempts).toEqual([1, 1]); // with MAX_DELIVERIES 1: not a failed delivery
    expect(alone).toEqual([undefined, true]); // the second attempt joins no transaction
    expect(waits).toEqual([]);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('retryStep: shutdown', () => {
  it('leaves the entry pending instead of another attempt once stopping', async () => {
    const stopping = new AbortController();
    const { d, step } = setup({ stopping: stopping.signal }, 1, () => stopping.abort());
    const { attempts, next } = failing(d, [new Error('a')]);
    expect(await step(d, next)).toBe('left-pending');
    expect(attempts).toEqual([1]);
  });
});
