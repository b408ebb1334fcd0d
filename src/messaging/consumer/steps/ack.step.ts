import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { hitFault } from '../../faults';
import { Step, StreamEntry } from './step';

/** XACK for one group. A failed XACK leaves the entries pending: claimed later, deduped then. */
export class Acker {
  constructor(
    private readonly redis: Redis,
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  /** One XACK per stream for all `entries`; never throws. */
  async ack(entries: StreamEntry[]): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const e of entries) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.id]);
    for (const [key, ids] of byKey) {
      try {
        await this.redis.xack(key, this.group, ...ids);
      } catch (e) {
        this.logger.warn(`XACK ${ids.join(',')} failed: ${e.message}`);
      }
    }
  }
}

/** Acknowledges a handled entry, only after its effects are committed. */
export function ackStep(acker: Acker): Step {
  return async (d, next) => {
    const outcome = await next();
    if (outcome === 'ok' || outcome === 'duplicate') {
      hitFault('consumer.after-effect-before-ack');
      await acker.ack([d.entry]);
    }
    return outcome;
  };
}
