import { Logger } from '@nestjs/common';
import { Acker, ackStep } from './ack.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome, StreamEntry } from './step';

const entry = (key: string, id: string): StreamEntry => ({ key, destination: key, id, fields: {} });
const delivery = (e: StreamEntry): Delivery => ({
  entry: e,
  delivery: 1,
  offTask: WAIT_IN_PLACE,
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

  it('while one XACK is unanswered, later acks wait and then go out as one XACK', async () => {
    const calls: unknown[][] = [];
    const answers: Array<() => void> = [];
    const redis = {
      xack: (...args: unknown[]) => {
        calls.push(args);
        return new Promise<number>((resolve) => answers.push(() => resolve(1)));
      },
    };
    const acker = new Acker(redis as any, 'g', { warn: jest.fn() } as unknown as Logger);
    const first = acker.ack([entry('a', '1-0')]);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([['a', 'g', '1-0']]);

    const later = [acker.ack([entry('a', '2-0')])];
    await new Promise((r) => setImmediate(r));
    later.push(acker.ack([entry('a', '3-0')]));
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1); // nothing sent while the first is on its way

    answers[0]();
    await first;
    await new Promise((r) => setImmediate(r)); // the flush settles, then the next one runs
    await new Promise((r) => setImmediate(r));
    expect(calls[1]).toEqual(['a', 'g', '2-0', '3-0']);
    answers[1]();
    await Promise.all(later);

    const idle = acker.ack([entry('a', '4-0')]); // nothing unanswered: no answer to wait for
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(calls[2]).toEqual(['a', 'g', '4-0']);
    answers[2]();
    await idle;
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
