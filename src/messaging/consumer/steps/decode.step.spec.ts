import { BookingMade_v1 } from '../../../bookings/events/booking-made.event';
import { decodeStep } from './decode.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome } from './step';

function setup(fields: Record<string, string>) {
  const acked: string[] = [];
  const deadLettered: [string, number][] = [];
  const acker = { ack: async (es: { id: string }[]) => void acked.push(...es.map((e) => e.id)) };
  const deadLetters = {
    send: async (e: { id: string }, _error: unknown, n: number) =>
      void deadLettered.push([e.id, n]),
  };
  const d: Delivery = {
    entry: { key: 'k', destination: 'events.BookingMade_v1', id: '1-0', fields },
    delivery: 2,
    offTask: WAIT_IN_PLACE,
  };
  const next = jest.fn(async (): Promise<Outcome> => 'ok');
  const step = decodeStep('p.mine', acker as any, deadLetters as any);
  return { acked, deadLettered, d, next, step };
}

const booking = new BookingMade_v1({ booking_id: 'b' });

describe('decodeStep', () => {
  it('decodes the payload into its message class and goes on', async () => {
    const { d, next, step } = setup({ name: 'BookingMade_v1', payload: JSON.stringify(booking) });
    expect(await step(d, next)).toBe('ok');
    expect(d.message).toBeInstanceOf(BookingMade_v1);
    expect(d.message).toEqual(booking);
  });

  it('dead-letters an entry it cannot decode, at once, with its delivery count', async () => {
    const { d, next, step, deadLettered } = setup({ name: 'Nope_v9', payload: '{}' });
    expect(await step(d, next)).toBe('dead-lettered');
    expect(deadLettered).toEqual([['1-0', 2]]);
    expect(next).not.toHaveBeenCalled();
  });

  it('only acknowledges a re-drive meant for another group, and handles one meant for its own', async () => {
    const payload = JSON.stringify(booking);
    const other = setup({ name: 'BookingMade_v1', payload, redrive_for: 'p.other' });
    expect(await other.step(other.d, other.next)).toBe('not-ours');
    expect(other.acked).toEqual(['1-0']);
    expect(other.next).not.toHaveBeenCalled();

    const mine = setup({ name: 'BookingMade_v1', payload, redrive_for: 'p.mine' });
    expect(await mine.step(mine.d, mine.next)).toBe('ok');
    expect(mine.acked).toEqual([]);
  });
});
