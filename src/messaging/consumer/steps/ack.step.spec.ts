import { Logger } from '@nestjs/common';
import { Acker, ackStep } from './ack.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome, StreamEntry } from './step';

const entry = (key: string, id: string): StreamEntry => ({ key, destination: key, id, fields: {} });
const delivery = (e: StreamEntry): Delivery => ({
  entry: e,
  delivery: 1,
  retryWait: WAIT_IN_PLACE,
});

function fakes(fail = false) {
  const calls: unknown[][] = [];
  const redis = {
    xack: async (...args: unknown[]) => {
      calls.push(args);
      if (fail) throw new Error('Connection is closed.');
      return 1;
    },
  };
  const logger = { warn: jest.fn() } as unknown as Logger;
  return { calls, logger, acker: new Acker(redis as any, 'g', logger) };
}

describe('Acker', () => {
  it('sends one XACK per stream for the entries given, and for acks asked together', async () => {
    const { calls, acker } = fakes();
    await Promise.all([
      acker.ack([entry('a', '1-0'), entry('b', '2-0')]),
      acker.ack([entry('a', '3-0')]), // another entry finishing in the same turn
    ]);
    expect(calls).toEqual([
      ['a', 'g', '1-0', '3-0'],
      ['b', 'g', '2-0'],
    ]);
    await acker.ack([entry('a', '4-0')]); // a later turn: a new XACK
    expect(calls[2]).toEqual(['a', 'g', '4-0']);
  });

  it('never throws: a failed XACK leaves the entry pending, and is logged', async () => {
    const { acker, logger } = fakes(true);
    await expect(acker.ack([entry('a', '1-0')])).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/XACK 1-0 failed/));
  });
});

describe('ackStep', () => {
  it.each<[Outcome, boolean]>([
    ['ok', true],
    ['duplicate', true],
    ['dead-lettered', false], // the dead-letter step acked it with the XADD
    ['left-pending', false],
  ])('after %s, acknowledges: %s', async (outcome, acked) => {
    const { calls, acker } = fakes();
    const d = delivery(entry('a', '1-0'));
    expect(await ackStep(acker)(d, async () => outcome)).toBe(outcome);
    expect(calls.length).toBe(acked ? 1 : 0);
  });

  it('does not acknowledge an entry whose handling threw', async () => {
    const { calls, acker } = fakes();
    const failing = async (): Promise<Outcome> => {
      throw new Error('boom');
    };
    await expect(ackStep(acker)(delivery(entry('a', '1-0')), failing)).rejects.toThrow('boom');
    expect(calls).toEqual([]);
  });
});
