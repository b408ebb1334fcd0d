import { calculateSlot } from '../platform/redis/redis-client';
import { StreamNames } from './messaging.tokens';

describe('StreamNames', () => {
  it('keeps the one dead-letter stream on one node', () => {
    const names = new StreamNames('p:', 'tickets');
    expect(names.deadLettersOf('p:events.X_v1')).toBe('p:dead-letters');
    expect(names.deadLetterPattern).toBe('p:dead-letters');
  });

  it('puts each stream’s dead letters in the stream’s slot on a cluster', () => {
    const names = new StreamNames('p:', 'tickets', true);
    for (const stream of ['p:events.BookingMade_v1', 'p:commands.RefundTicket']) {
      const letters = names.deadLettersOf(stream);
      expect(letters).toBe(`p:dead-letters{${stream}}`);
      expect(calculateSlot(letters)).toBe(calculateSlot(stream));
    }
    expect(names.deadLetterPattern).toBe('p:dead-letters{*}');
  });
});
