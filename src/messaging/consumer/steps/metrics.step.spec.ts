import { measureBatch, metricsStep } from './metrics.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome } from './step';

function fakeMetrics() {
  const seen: string[] = [];
  const counter = (name: string) => ({
    inc: (labels: object, n = 1) => seen.push(`${name} ${JSON.stringify(labels)} ${n}`),
  });
  return {
    seen,
    metrics: {
      processed: counter('processed'),
      failed: counter('failed'),
      duration: { startTimer: () => () => seen.push('duration') },
    } as any,
  };
}

const d: Delivery = {
  entry: { key: 'k', destination: 'events.X_v1', id: '1-0', fields: {} },
  delivery: 1,
  offTask: WAIT_IN_PLACE,
};
const labels = JSON.stringify({ topic: 'events.X_v1', handler: 'h' });

describe('metricsStep', () => {
  it('counts a processed attempt and its duration', async () => {
    const { seen, metrics } = fakeMetrics();
    expect(await metricsStep(metrics, 'h')(d, async () => 'duplicate')).toBe('duplicate');
    expect(seen).toEqual([`processed ${labels} 1`, 'duration']);
  });

  it('counts a failed attempt and its duration, and passes the error on', async () => {
    const { seen, metrics } = fakeMetrics();
    const boom = async (): Promise<Outcome> => {
      throw new Error('boom');
    };
    await expect(metricsStep(metrics, 'h')(d, boom)).rejects.toThrow('boom');
    expect(seen).toEqual([`failed ${labels} 1`, 'duration']);
  });
});

describe('measureBatch', () => {
  it('counts a committed batch once, as many processed', async () => {
    const { seen, metrics } = fakeMetrics();
    const l = { topic: 'events.X_v1', handler: 'h' };
    expect(await measureBatch(metrics, l, 7, async () => 'done')).toBe('done');
    expect(seen).toEqual(['duration', `processed ${labels} 7`]);
  });

  it('counts nothing for a failed batch: its entries are counted again one by one', async () => {
    const { seen, metrics } = fakeMetrics();
    const l = { topic: 'events.X_v1', handler: 'h' };
    await expect(
      measureBatch(metrics, l, 7, async () => {
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(seen).toEqual([]);
  });
});
