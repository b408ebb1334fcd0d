import { Semaphore } from '../semaphore';
import { HandedOver } from './begin-with';
import { WAIT_IN_PLACE } from './retry.step';
import { slotStep } from './slot.step';
import { Delivery, Outcome } from './step';

const d: Delivery = {
  entry: { key: 'k', destination: 'd', id: '1-0', fields: {} },
  delivery: 1,
  offTask: WAIT_IN_PLACE,
};

/** Attempts in flight at once through `step`, of `n` started together. */
async function concurrent(step: ReturnType<typeof slotStep>, n: number): Promise<number> {
  let now = 0;
  let most = 0;
  const next = async (): Promise<Outcome> => {
    most = Math.max(most, ++now);
    await new Promise((r) => setImmediate(r));
    now--;
    return 'ok';
  };
  await Promise.all(Array.from({ length: n }, () => step(d, next)));
  return most;
}

describe('slotStep', () => {
  it('holds a connection slot per attempt: no more attempts at once than slots', async () => {
    expect(await concurrent(slotStep(new Semaphore(2), false), 5)).toBe(2);
  });

  it('gives no wish for an attempt alone: it is passed no transaction, and begins its own', async () => {
    const wishes: (string | undefined)[] = [];
    const slots = new Semaphore<HandedOver>(1);
    jest.spyOn(slots, 'use').mockImplementation(async (work, wish) => {
      wishes.push(wish?.());
      return work({ takeGift: () => undefined, passOn: () => undefined });
    });
    const step = slotStep(slots, false, () => 'START');
    const next = async (): Promise<Outcome> => 'ok';
    await step({ ...d }, next);
    await step({ ...d, alone: true }, next);
    expect(wishes).toEqual(['START', undefined]);
  });

  it('takes none for a deferWrites handler, which holds no connection while it runs', async () => {
    expect(await concurrent(slotStep(new Semaphore(2), true), 5)).toBe(5);
  });
});
