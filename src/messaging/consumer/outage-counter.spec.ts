import { RetryLater } from '../retry-later';
import { MAX_UNPROVEN_OUTAGE_RETRIES, OutageCounter } from './outage-counter';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
  code: 'ECONNREFUSED',
});
const down = () => Promise.resolve(true);
const up = () => Promise.resolve(false);

describe('OutageCounter: which failed attempts spend a delivery', () => {
  it('never counts a lost connection while PostgreSQL does not answer, however long', async () => {
    const counter = new OutageCounter();
    for (let i = 0; i < 100_000; i++) {
      expect(await counter.classify(refused, down)).toBe('outage');
    }
  });

  it('counts the handler’s own errors at once, without asking the database', async () => {
    const counter = new OutageCounter();
    const ping = jest.fn(down);
    expect(await counter.classify(new Error('no such ticket'), ping)).toBe('delivery');
    expect(ping).not.toHaveBeenCalled();
  });

  it('lets an outage-looking error with PostgreSQL up go uncounted only so many times', async () => {
    const counter = new OutageCounter();
    for (let i = 0; i < MAX_UNPROVEN_OUTAGE_RETRIES; i++) {
      expect(await counter.classify(refused, up)).toBe('outage');
    }
    expect(await counter.classify(refused, up)).toBe('delivery');
    // A real outage afterwards is still not the message's fault.
    expect(await counter.classify(refused, down)).toBe('outage');
  });

  it('bounds RetryLater (something busy) the same way, without a ping', async () => {
    const counter = new OutageCounter();
    const ping = jest.fn(down);
    for (let i = 0; i < MAX_UNPROVEN_OUTAGE_RETRIES; i++) {
      expect(await counter.classify(new RetryLater('lease held'), ping)).toBe('outage');
    }
    expect(await counter.classify(new RetryLater('lease held'), ping)).toBe('delivery');
    expect(ping).not.toHaveBeenCalled();
  });
});
