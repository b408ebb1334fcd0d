import { Logger } from '@nestjs/common';
import { DeadLetters, deadLetterStep, GiveUp } from './dead-letter.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome, StreamEntry } from './step';

const entry: StreamEntry = {
  key: 'p:events.X_v1',
  destination: 'events.X_v1',
  id: '5-0',
  fields: { name: 'X_v1', payload: '{}', message_id: 'm-1' },
};

function fakes(fail = false) {
  const ops: unknown[][] = [];
  const multi = {
    xadd: (...args: unknown[]) => (ops.push(['xadd', ...args]), multi),
    xack: (...args: unknown[]) => (ops.push(['xack', ...args]), multi),
    exec: async () => {
      if (fail) throw new Error('Connection is closed.');
      return [];
    },
  };
  const inc = jest.fn();
  const logger = { error: jest.fn() } as unknown as Logger;
  const deadLetters = new DeadLetters({
    redis: { multi: () => multi } as any,
    stream: () => 'p:dead-letters',
    group: 'g',
    handler: 'h',
    metrics: { deadLettered: { inc } } as any,
    logger,
  });
  return { ops, inc, logger, deadLetters };
}

describe('DeadLetters.send', () => {
  it('adds the entry with why and after how many deliveries, and acks it, in one MULTI', async () => {
    const { ops, inc, deadLetters } = fakes();
    await deadLetters.send(entry, new Error('no such show'), 10);
    expect(ops[0].slice(0, 3)).toEqual(['xadd', 'p:dead-letters', '*']);
    const fields = ops[0].slice(3) as string[];
    const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]]])));
    expect(f).toMatchObject({
      name: 'X_v1',
      message_id: 'm-1',
      dlq_stream: 'events.X_v1',
      dlq_entry_id: '5-0',
      dlq_group: 'g',
      dlq_handler: 'h',
      dlq_error: 'no such show',
      dlq_deliveries: '10',
    });
    expect(ops[1]).toEqual(['xack', 'p:events.X_v1', 'g', '5-0']);
    expect(inc).toHaveBeenCalledWith({ topic: 'events.X_v1', handler: 'h' });
  });

  it('never throws: when Redis fails the entry stays pending, uncounted', async () => {
    const { inc, logger, deadLetters } = fakes(true);
    await expect(deadLetters.send(entry, new Error('x'), 3)).resolves.toBeUndefined();
    expect(inc).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenLastCalledWith(expect.stringMatching(/left pending/));
  });
});

describe('deadLetterStep', () => {
  const delivery = (): Delivery => ({ entry, delivery: 7, offTask: WAIT_IN_PLACE });

  it('dead-letters, with the reason and the delivery count, when an inner step gives up', async () => {
    const { ops, deadLetters } = fakes();
    const giveUp = async (): Promise<Outcome> => {
      throw new GiveUp(new Error('still failing'));
    };
    expect(await deadLetterStep(deadLetters)(delivery(), giveUp)).toBe('dead-lettered');
    const fields = ops[0] as string[];
    expect(fields[fields.indexOf('dlq_error') + 1]).toBe('still failing');
    expect(fields[fields.indexOf('dlq_deliveries') + 1]).toBe('7');
  });

  it('lets other errors and outcomes through untouched', async () => {
    const { ops, deadLetters } = fakes();
    const step = deadLetterStep(deadLetters);
    expect(await step(delivery(), async () => 'ok')).toBe('ok');
    const crash = async (): Promise<Outcome> => {
      throw new Error('fault');
    };
    await expect(step(delivery(), crash)).rejects.toThrow('fault');
    expect(ops).toEqual([]);
  });
});
