import { Logger } from '@nestjs/common';
import { RedisClient } from '../../../platform/redis/redis-client';
import { hitFault } from '../../faults';
import { Step, StreamEntry } from './step';

/**
 * XACK for one group. Acks asked for in the same event-loop turn go out together, one XACK per
 * stream: entries finishing side by side cost one round trip, not one each. While one XACK is
 * on its way, further acks wait for its answer and then go out together: under load, commits
 * finish one by one on different connections, and this keeps the XACKs to one round trip at a
 * time instead of one per entry (an idle group still acks at once). A failed XACK leaves the
 * entries pending: claimed later, deduped then.
 */
export class Acker {
  private queued = new Map<string, { ids: string[]; done: Array<() => void> }>();
  private flushing = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the XACK of every entry was answered (or failed and was logged); never throws. */
  ack(entries: StreamEntry[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let left = 0;
      const one = () => --left === 0 && resolve();
      for (const e of entries) {
        let q = this.queued.get(e.key);
        if (!q) this.queued.set(e.key, (q = { ids: [], done: [] }));
        q.ids.push(e.id);
        q.done.push(one);
        left++;
      }
      if (left === 0) return resolve();
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batches = this.queued;
    this.queued = new Map();
    await Promise.all(
      [...batches].map(async ([key, { ids, done }]) => {
        try {
          await this.redis.xack(key, this.group, ...ids);
        } catch (e) {
          this.logger.warn(`XACK ${ids.join(',')} failed: ${e.message}`);
        }
        done.forEach((f) => f());
      }),
    );
    if (this.queued.size > 0) setImmediate(() => void this.flush());
    else this.flushing = false;
  }
}

/** Acknowledges a handled entry, only after its effects are committed. */
export function ackStep(acker: Acker, handler?: string): Step {
  return async (d, next) => {
    const outcome = await next();
    if (outcome === 'ok' || outcome === 'duplicate') {
      hitFault('consumer.after-effect-before-ack', handler);
      await acker.ack([d.entry]);
    }
    return outcome;
  };
}
