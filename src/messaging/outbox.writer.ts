import { Injectable } from '@nestjs/common';
import { Propagation, TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Message, MessageRegistry } from './message';
import { currentCorrelationId, currentTraceHeaders } from './message-context';
import { OutboxNotifier } from './outbox.notifier';

/** CLS key: the messages a `deferWrites` handler publishes, collected until it returns. */
export const DEFERRED_WRITES = 'tickets.deferredWrites';

/**
 * Writes messages to the outbox (and `_v1` events to the events store) in the ambient
 * transaction, or in a transaction of its own when there is none, so the two tables and the
 * business change commit or roll back together. Nothing here talks to Redis: only the relay does.
 */
@Injectable()
export class OutboxWriter {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly notifier: OutboxNotifier,
    private readonly cls: ClsService,
  ) {}

  async append(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const deferred = this.cls.isActive()
      ? this.cls.get<Message[] | undefined>(DEFERRED_WRITES)
      : undefined;
    if (deferred && !this.txHost.isTransactionActive()) {
      deferred.push(...messages); // written after the handler, with its dedupe record
      return;
    }
    const correlationId = currentCorrelationId();
    const trace = currentTraceHeaders();
    const outbox: unknown[] = [];
    const stored: unknown[] = [];
    const outboxRows: string[] = [];
    const storedRows: string[] = [];
    for (const message of messages) {
      const { name, destination, stored: isStored } = MessageRegistry.of(message);
      const payload = JSON.stringify(message);
      const o = outbox.length;
      outbox.push(message.header.id, destination, name, payload, correlationId);
      outbox.push(trace.traceparent ?? null, trace.tracestate ?? null);
      outboxRows.push(
        `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7})`,
      );
      if (isStored) {
        const s = stored.length;
        stored.push(message.header.id, message.header.published_at, name, payload);
        storedRows.push(`($${s + 1}, $${s + 2}, $${s + 3}, $${s + 4}::jsonb)`);
      }
    }
    await this.txHost.withTransaction(Propagation.Required, async () => {
      const tx = this.txHost.tx;
      await tx.query(
        `INSERT INTO outbox (message_id, destination, name, payload, correlation_id, traceparent, tracestate)
         VALUES ${outboxRows.join(', ')}`,
        outbox,
      );
      if (storedRows.length > 0) {
        await tx.query(
          `INSERT INTO events (event_id, published_at, event_name, event_payload)
           VALUES ${storedRows.join(', ')} ON CONFLICT (event_id) DO NOTHING`,
          stored,
        );
      }
      this.notifier.written(tx.queryRunner); // relays are told after the commit
    });
  }
}
