import { Logger } from '@nestjs/common';
import { RedisClient } from '../../../platform/redis/redis-client';
import { handledLine } from '../../telemetry/messaging-spans';
import { MessagingMetrics } from '../../messaging.metrics';
import { deadLetterFields } from '../../streams/stream-entry';
import { Step, StreamEntry } from './step';

/** Thrown by an inner step when retrying cannot help: the dead-letter step takes the entry. */
export class GiveUp extends Error {
  constructor(readonly reason: unknown) {
    super(String((reason as Error)?.message ?? reason));
  }
}

export interface DeadLetterTarget {
  redis: RedisClient;
  /** The key of the dead-letter stream for entries of the stream `key` (StreamNames.deadLettersOf). */
  stream: (key: string) => string;
  group: string;
  handler: string;
  metrics: MessagingMetrics;
  logger: Logger;
}

/** Moves entries of one group to the dead-letter stream. */
export class DeadLetters {
  constructor(private readonly t: DeadLetterTarget) {}

  /** Adds the entry to the dead letters and acknowledges it, atomically; never throws. */
  async send(entry: StreamEntry, error: unknown, deliveries: number): Promise<void> {
    const { fields } = entry;
    const { redis, group, handler, logger } = this.t;
    const run = { handler, name: fields.name, destination: entry.destination };
    logger.error(
      handledLine(
        { ...run, messageId: fields.message_id, delivery: deliveries },
        'dead-lettered',
        error,
      ),
    );
    try {
      await redis
        .multi()
        .xadd(
          this.t.stream(entry.key),
          '*',
          ...deadLetterFields(entry, { group, handler, error, deliveries }),
        )
        .xack(entry.key, group, entry.id)
        .exec();
      this.t.metrics.deadLettered.inc({ topic: entry.destination, handler });
    } catch (e) {
      // Never dropped: the entry stays pending and comes back through a claim.
      logger.error(`dead-lettering ${entry.id} failed, left pending: ${e.message}`);
    }
  }
}

/** Dead-letters the entry when an inner step gives up on it (GiveUp); other errors pass. */
export function deadLetterStep(deadLetters: DeadLetters): Step {
  return async (d, next) => {
    try {
      return await next();
    } catch (e) {
      if (!(e instanceof GiveUp)) throw e;
      await deadLetters.send(d.entry, e.reason, d.delivery);
      return 'dead-lettered';
    }
  };
}
