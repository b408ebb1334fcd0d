import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { hitFault } from '../faults';
import { Message, MessageRegistry } from '../message';
import { CORRELATION_ID } from '../../platform/context/request-context';
import {
  handledLine,
  HandledOutcome,
  HandlerRun,
  inHandlerSpan,
} from '../../platform/observability/messaging-spans';
import { messageIdOf, StreamEntry } from '../streams/stream-entry';
import { inConsumerSpan, MessageProcessor, ProcessorDeps } from './message-processor';
import { Subscription } from './subscriptions';

/**
 * The fast path for handlers marked `batch`: the entries of one read are handled in one
 * transaction, with one multi-row dedupe insert and one XACK per stream. The first failure
 * rolls the whole batch back and hands every entry to the one-by-one path, which retries and
 * dead-letters each on its own; so batching changes the cost, never the outcome.
 */
export class BatchProcessor {
  private readonly logger: Logger;

  constructor(
    private readonly sub: Subscription,
    private readonly single: MessageProcessor,
    private readonly deps: ProcessorDeps,
  ) {
    this.logger = new Logger(`handler ${sub.handler}`);
  }

  async process(entries: StreamEntry[]): Promise<void> {
    const ready: { entry: StreamEntry; message: Message }[] = [];
    const alone: StreamEntry[] = [];
    for (const entry of entries) {
      if (entry.fields.redrive_for) {
        alone.push(entry);
        continue;
      }
      try {
        ready.push({
          entry,
          message: MessageRegistry.decode(entry.fields.name, entry.fields.payload),
        });
      } catch {
        alone.push(entry); // dead-lettered by the one-by-one path
      }
    }
    if (ready.length === 1) alone.push(ready.pop()!.entry);
    await Promise.all(alone.map((e) => this.single.process(e, 1)));
    if (ready.length === 0) return;

    const labels = { topic: ready[0].entry.destination, handler: this.sub.handler };
    const end = this.deps.metrics.duration.startTimer(labels);
    let outcomes: { run: HandlerRun; outcome: HandledOutcome }[];
    try {
      outcomes = await this.deps.slots.use(() => this.deps.cls.run(() => this.handleAll(ready)));
    } catch {
      await Promise.all(ready.map(({ entry }) => this.single.process(entry, 1)));
      return;
    }
    end();
    this.deps.metrics.processed.inc(labels, ready.length);
    for (const { run, outcome } of outcomes) this.logger.log(handledLine(run, outcome));
    hitFault('consumer.after-effect-before-ack');
    const byKey = new Map<string, string[]>();
    for (const { entry } of ready)
      byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry.id]);
    for (const [key, ids] of byKey) {
      // A failed XACK leaves them pending: claimed later, deduplicated then.
      await this.deps.redis.xack(key, this.single.group, ...ids).catch(() => undefined);
    }
  }

  private handleAll(
    ready: { entry: StreamEntry; message: Message }[],
  ): Promise<{ run: HandlerRun; outcome: HandledOutcome }[]> {
    const { txHost, cls } = this.deps;
    return txHost.withTransaction(async () => {
      const ids = ready.map(({ entry, message }) => messageIdOf(entry, message));
      const rows: { message_id: string }[] = await txHost.tx.query(
        `INSERT INTO processed_messages (handler, message_id)
         SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id`,
        [this.sub.handler, ids],
      );
      const fresh = new Set(rows.map((r) => r.message_id));
      const outcomes: { run: HandlerRun; outcome: HandledOutcome }[] = [];
      for (let i = 0; i < ready.length; i++) {
        const { entry, message } = ready[i];
        const run = this.single.runOf(entry, message, 1);
        if (!fresh.delete(ids[i])) {
          outcomes.push({ run, outcome: 'duplicate' }); // handled before, or twice in this batch
          continue;
        }
        cls.set(CORRELATION_ID, entry.fields.correlation_id || randomUUID());
        await inConsumerSpan(entry, this.single.group, () =>
          inHandlerSpan(run, () => this.sub.invoke(message)),
        );
        outcomes.push({ run, outcome: 'ok' });
      }
      return outcomes;
    });
  }
}
