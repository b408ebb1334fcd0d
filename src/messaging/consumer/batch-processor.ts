import { randomUUID } from 'node:crypto';
import { hitFault } from '../faults';
import { Message, MessageRegistry } from '../message';
import { CORRELATION_ID } from '../message-context';
import { MessageProcessor, ProcessorDeps, StreamEntry } from './message-processor';
import { Subscription } from './subscriptions';

/**
 * The fast path for handlers marked `batch`: the entries of one read are handled in one
 * transaction, with one multi-row dedupe insert and one XACK per stream. The first failure
 * rolls the whole batch back and hands every entry to the one-by-one path, which retries and
 * dead-letters each on its own; so batching changes the cost, never the outcome.
 */
export class BatchProcessor {
  constructor(
    private readonly sub: Subscription,
    private readonly single: MessageProcessor,
    private readonly deps: ProcessorDeps,
  ) {}

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
    try {
      await this.deps.slots.use(() => this.deps.cls.run(() => this.handleAll(ready)));
    } catch {
      await Promise.all(ready.map(({ entry }) => this.single.process(entry, 1)));
      return;
    }
    end();
    this.deps.metrics.processed.inc(labels, ready.length);
    hitFault('consumer.after-effect-before-ack');
    const byKey = new Map<string, string[]>();
    for (const { entry } of ready)
      byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry.id]);
    for (const [key, ids] of byKey) {
      // A failed XACK leaves them pending: claimed later, deduplicated then.
      await this.deps.redis.xack(key, this.single.group, ...ids).catch(() => undefined);
    }
  }

  private handleAll(ready: { entry: StreamEntry; message: Message }[]): Promise<void> {
    const { txHost, cls } = this.deps;
    return txHost.withTransaction(async () => {
      // Lower case, as PostgreSQL returns uuids, so the comparison below matches.
      const ids = ready.map(({ entry, message }) =>
        (entry.fields.message_id || message.header.id).toLowerCase(),
      );
      const rows: { message_id: string }[] = await txHost.tx.query(
        `INSERT INTO processed_messages (handler, message_id)
         SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id`,
        [this.sub.handler, ids],
      );
      const fresh = new Set(rows.map((r) => r.message_id));
      for (let i = 0; i < ready.length; i++) {
        if (!fresh.delete(ids[i])) continue; // handled before, or twice in this very batch
        cls.set(CORRELATION_ID, ready[i].entry.fields.correlation_id || randomUUID());
        await this.sub.invoke(ready[i].message);
      }
    });
  }
}
