import { MessagingMetrics } from '../../messaging.metrics';
import { Step } from './step';

/** Each attempt's duration, and whether it was processed or failed. */
export function metricsStep(metrics: MessagingMetrics, handler: string): Step {
  return async (d, next) => {
    const labels = { topic: d.entry.destination, handler };
    const end = metrics.duration.startTimer(labels);
    try {
      const outcome = await next();
      metrics.processed.inc(labels);
      return outcome;
    } catch (e) {
      metrics.failed.inc(labels);
      throw e;
    } finally {
      end();
    }
  };
}

/**
 * A batch counts only when it commits: one duration, `count` processed. A failed batch counts
 * nothing here, as each of its entries is then handled, and counted, on the one-by-one path.
 */
export async function measureBatch<T>(
  metrics: MessagingMetrics,
  labels: { topic: string; handler: string },
  count: number,
  work: () => Promise<T>,
): Promise<T> {
  const end = metrics.duration.startTimer(labels);
  const result = await work();
  end();
  metrics.processed.inc(labels, count);
  return result;
}
