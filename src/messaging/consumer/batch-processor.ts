import { Logger } from '@nestjs/common';
import { handledLine } from '../telemetry/messaging-spans';
import { hitFault } from '../faults';
import { decodeMessage, redriveFor } from '../streams/stream-entry';
import { MessageProcessor, ProcessorDeps } from './message-processor';
import { contextStep } from './steps/context.step';
import { dedupeBatch } from './steps/dedupe-batch';
import { invokeStep } from './steps/invoke.step';
import { measureBatch } from './steps/metrics.step';
import { WAIT_IN_PLACE } from './steps/retry.step';
import { chain, Delivery, messageIdOf, messageOf, runOf, StreamEntry } from './steps/step';
import { consumerSpanStep, handlerSpanStep } from './steps/tracing.step';
import { Subscription } from './subscriptions';

/**
 * The fast path for handlers marked `batch`: the entries of one read are handled in one
 * transaction, with one multi-row dedupe insert and one XACK per stream. The first failure
 * rolls the whole batch back and hands every entry to the one-by-one path, which retries and
 * dead-letters each on its own; so batching changes the cost, never the outcome.
 *
 * Built from the one-by-one path's steps: the batch takes the connection slot, the metrics, the
 * dedupe and the ack once; each entry gets its own context and spans inside the transaction.
 */
export class BatchProcessor {
  private readonly logger: Logger;
  private readonly each: (d: Delivery) => Promise<'ok' | 'duplicate'>;

  constructor(
    private readonly sub: Subscription,
    private readonly single: MessageProcessor,
    private readonly deps: ProcessorDeps,
  ) {
    this.logger = new Logger(`handler ${sub.handler}`);
    this.each = chain([
      contextStep(deps.cls),
      consumerSpanStep(single.group),
      handlerSpanStep(sub.handler),
      invokeStep(sub),
    ]) as (d: Delivery) => Promise<'ok'>;
  }

  async process(entries: StreamEntry[]): Promise<void> {
    const ready: Delivery[] = [];
    const alone: StreamEntry[] = [];
    for (const entry of entries) {
      if (redriveFor(entry)) {
        alone.push(entry);
        continue;
      }
      try {
        ready.push({ entry, delivery: 1, message: decodeMessage(entry), offTask: WAIT_IN_PLACE });
      } catch {
        alone.push(entry); // dead-lettered by the one-by-one path
      }
    }
    if (ready.length === 1) alone.push(ready.pop()!.entry);
    await Promise.all(alone.map((e) => this.single.process(e, 1)));
    if (ready.length === 0) return;

    const { handler } = this.sub;
    const { cls, metrics, slots, txHost } = this.deps;
    const labels = { topic: ready[0].entry.destination, handler };
    let outcomes: ('ok' | 'duplicate')[];
    try {
      outcomes = await measureBatch(metrics, labels, ready.length, () =>
        slots.use(() =>
          cls.run(() =>
            dedupeBatch(
              txHost,
              handler,
              ready,
              (d) => messageIdOf(d.entry, messageOf(d)),
              this.each,
            ),
          ),
        ),
      );
    } catch {
      await Promise.all(ready.map(({ entry }) => this.single.process(entry, 1)));
      return;
    }
    ready.forEach((d, i) => this.logger.log(handledLine(runOf(handler, d), outcomes[i])));
    hitFault('consumer.after-effect-before-ack');
    await this.single.acker.ack(ready.map((d) => d.entry));
  }
}
