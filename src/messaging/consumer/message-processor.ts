import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ExponentialBackoff } from 'cockatiel';
import Redis from 'ioredis';
import { ClsService } from 'nestjs-cls';
import { AppConfig } from '../../platform/config/app.config';
import { spansExported } from '../../platform/observability/tracing-lifecycle';
import {
  handledLine,
  HandledOutcome,
  HandlerRun,
  inHandlerSpan,
} from '../../platform/observability/messaging-spans';
import { hitFault } from '../faults';
import { messagingTracer } from '../messaging.tracer';
import { Message, MessageRegistry } from '../message';
import { CORRELATION_ID } from '../../platform/context/request-context';
import { MessagingMetrics } from '../messaging.metrics';
import { Change, DEFERRED_WRITES, DeferredWrites, OutboxWriter } from '../outbox.writer';
import { StreamNames } from '../messaging.tokens';
import { OutageCounter } from './outage-counter';
import { Semaphore } from './semaphore';
import { Subscription } from './subscriptions';
import { deadLetterFields, messageIdOf, StreamEntry } from '../streams/stream-entry';

/**
 * Records that a handler handled a message; returns a row only the first time. Its two
 * parameters are numbered after the first `before` ones.
 */
const recordHandled = (before = 0) =>
  `INSERT INTO processed_messages (handler, message_id) VALUES ($${before + 1}, $${before + 2})
  ON CONFLICT DO NOTHING RETURNING 1`;
const RECORD_HANDLED = recordHandled();

/**
 * The statement a deferWrites handler's writes end with: its dedupe record, after the change it
 * deferred if any. The last CTE gates the messages: the record must be new and, with a change,
 * the change's own gate must have returned a row.
 */
export function recordWith(change: Change | undefined, handler: string, messageId: string): Change {
  if (!change) return { ctes: [['fresh', RECORD_HANDLED]], params: [handler, messageId] };
  const gate = change.ctes[change.ctes.length - 1][0];
  return {
    ctes: [
      ...change.ctes,
      ['fresh_record', recordHandled(change.params.length)],
      ['fresh', `SELECT 1 FROM fresh_record WHERE EXISTS (SELECT 1 FROM ${gate})`],
    ],
    params: [...change.params, handler, messageId],
  };
}

const tracer = messagingTracer;

/**
 * The CONSUMER span `process <name>` of one entry: a child of, and linked to, the context the
 * message was written in (carried in the entry), so handlers join the request's trace.
 */
export function inConsumerSpan<T>(
  entry: StreamEntry,
  group: string,
  work: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, entry.fields);
  if (!spansExported()) return context.with(parent, work); // the trace id goes on, no span
  const link = trace.getSpanContext(parent);
  return tracer.startActiveSpan(
    `process ${entry.fields.name}`,
    {
      kind: SpanKind.CONSUMER,
      links: link ? [{ context: link }] : [],
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination.name': entry.destination,
        'messaging.consumer.group.name': group,
        'messaging.message.id': entry.fields.message_id,
        'messaging.operation.type': 'process',
      },
    },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (e) {
        span.recordException(e);
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

export interface ProcessorDeps {
  config: AppConfig;
  cls: ClsService;
  txHost: TransactionHost<TransactionalAdapterTypeOrm>;
  metrics: MessagingMetrics;
  names: StreamNames;
  redis: Redis;
  stopping: AbortSignal;
  slots: Semaphore;
  writer: OutboxWriter;
}

/**
 * Everything one handler does with one delivered entry, whatever the handler: decode, open a
 * CLS context (correlation id, trace), run the handler in a transaction that also records
 * (handler, message_id) so a redelivery has no second effect, retry with exponential backoff and
 * jitter, dead-letter after MAX_DELIVERIES, and acknowledge only after the commit.
 */
export class MessageProcessor {
  private readonly logger: Logger;
  private readonly backoff: ExponentialBackoff<unknown>;
  readonly group: string;

  constructor(
    private readonly sub: Subscription,
    private readonly deps: ProcessorDeps,
  ) {
    this.group = deps.names.group(sub.handler);
    this.logger = new Logger(`handler ${sub.handler}`);
    const { retryInitialMs, retryMaxMs } = deps.config.messaging;
    this.backoff = new ExponentialBackoff({ initialDelay: retryInitialMs, maxDelay: retryMaxMs });
  }

  /** Resolves when the entry is acknowledged (handled or dead-lettered) or left pending. */
  async process(entry: StreamEntry, deliveries: number): Promise<void> {
    const { fields } = entry;
    if (fields.redrive_for && fields.redrive_for !== this.group) {
      return this.ack(entry); // a re-drive meant for another group
    }
    let message: Message;
    try {
      message = MessageRegistry.decode(fields.name, fields.payload);
    } catch (e) {
      return this.deadLetter(entry, e, deliveries); // retrying cannot fix an undecodable entry
    }
    await this.deps.cls.run(async () => {
      this.deps.cls.set(CORRELATION_ID, fields.correlation_id || randomUUID());
      await inConsumerSpan(entry, this.group, () =>
        this.handleWithRetries(entry, message, deliveries),
      ).catch(() => undefined); // recorded on the span; the entry is acked, dead-lettered or left pending
    });
  }

  /**
   * Attempts until the handler succeeds, counting each failed attempt as a delivery and
   * dead-lettering after MAX_DELIVERIES. The delays come from cockatiel's exponential backoff
   * (decorrelated jitter); the loop is ours because it must count deliveries across processes,
   * wait out database outages without counting them, and stop at once on shutdown.
   */
  private async handleWithRetries(entry: StreamEntry, message: Message, deliveries: number) {
    const { maxDeliveries } = this.deps.config.messaging;
    const { stopping } = this.deps;
    if (deliveries > maxDeliveries) {
      // Claimed again and again: it killed the consumers that took it. Do not run it once more.
      await this.deadLetter(
        entry,
        new Error(`claimed after ${deliveries - 1} deliveries`),
        deliveries,
      );
      return;
    }
    let backoff = this.backoff.next();
    let outage = this.backoff.next();
    const outages = new OutageCounter();
    for (let attempt = deliveries; ;) {
      if (stopping.aborted) return; // left pending: another consumer, or our restart, takes it
      const run = this.runOf(entry, message, attempt);
      try {
        // A deferWrites handler holds no connection while it runs: no slot either.
        const outcome = this.sub.deferWrites
          ? await this.handleOnce(entry, message, run)
          : await this.deps.slots.use(() => this.handleOnce(entry, message, run));
        this.logger.log(handledLine(run, outcome));
        break;
      } catch (e) {
        if ((await outages.classify(e, () => this.databaseDown())) === 'outage') {
          this.logger.warn(handledLine(run, 'retry', e));
          await abortableSleep(outage.duration, stopping);
          outage = outage.next(undefined);
          continue; // not the message's fault: the delivery is not counted
        }
        if (attempt >= maxDeliveries) {
          await this.deadLetter(entry, e, attempt);
          return;
        }
        this.logger.warn(handledLine(run, 'retry', e));
        await abortableSleep(backoff.duration, stopping);
        backoff = backoff.next(undefined);
        attempt++;
      }
    }
    hitFault('consumer.after-effect-before-ack');
    await this.ack(entry);
  }

  /** Whether PostgreSQL fails to answer a ping within 2 s (no answer in time counts as down). */
  private async databaseDown(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const ping = this.deps.txHost.tx.query('SELECT 1').then(
      () => false,
      () => true,
    );
    const slow = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 2000)));
    try {
      return await Promise.race([ping, slow]);
    } finally {
      clearTimeout(timer);
    }
  }

  runOf(entry: StreamEntry, message: Message, delivery: number): HandlerRun {
    const { name } = entry.fields;
    const messageId = messageIdOf(entry, message);
    return { handler: this.sub.handler, name, destination: entry.destination, messageId, delivery };
  }

  private handleOnce(entry: StreamEntry, message: Message, run: HandlerRun) {
    return inHandlerSpan(run, () => this.handleInTransaction(entry, message));
  }

  private async handleInTransaction(entry: StreamEntry, message: Message): Promise<HandledOutcome> {
    const labels = { topic: entry.destination, handler: this.sub.handler };
    const end = this.deps.metrics.duration.startTimer(labels);
    try {
      const outcome = this.sub.deferWrites
        ? await this.handleThenWrite(entry, message)
        : await this.handleWithDedupe(entry, message);
      this.deps.metrics.processed.inc(labels);
      return outcome;
    } catch (e) {
      this.deps.metrics.failed.inc(labels);
      throw e;
    } finally {
      end();
    }
  }

  /** The dedupe record and the handler's writes in one transaction. */
  private async handleWithDedupe(entry: StreamEntry, message: Message): Promise<HandledOutcome> {
    const { txHost } = this.deps;
    return txHost.withTransaction(async () => {
      const fresh: unknown[] = await txHost.tx.query(RECORD_HANDLED, [
        this.sub.handler,
        messageIdOf(entry, message),
      ]);
      if (fresh.length === 0) return 'duplicate'; // handled before: a redelivery, nothing to do
      await this.sub.invoke(message);
      return 'ok';
    });
  }

  /**
   * HandlerOptions.deferWrites: the external calls first, outside any transaction; then the
   * dedupe record and what the handler published, in one statement.
   */
  private async handleThenWrite(entry: StreamEntry, message: Message): Promise<HandledOutcome> {
    const { txHost, cls, writer } = this.deps;
    const id = messageIdOf(entry, message);
    const seen: unknown[] = await txHost.tx.query(
      'SELECT 1 FROM processed_messages WHERE handler = $1 AND message_id = $2',
      [this.sub.handler, id],
    );
    if (seen.length > 0) return 'duplicate';
    const deferred: DeferredWrites = { messages: [] };
    cls.set(DEFERRED_WRITES, deferred);
    try {
      await this.sub.invoke(message);
    } finally {
      cls.set(DEFERRED_WRITES, undefined);
    }
    hitFault('consumer.after-handler-before-write');
    // The messages are written only if the record is new (another consumer may have finished
    // the same entry meanwhile) and the handler's deferred change, if any, took effect.
    const fresh = await writer.changeWith(
      recordWith(deferred.change, this.sub.handler, id),
      deferred.messages,
    );
    return fresh.length === 0 ? 'duplicate' : 'ok';
  }

  private async ack(entry: StreamEntry): Promise<void> {
    try {
      await this.deps.redis.xack(entry.key, this.group, entry.id);
    } catch (e) {
      // Still pending: it will be claimed and redelivered, and deduped.
      this.logger.warn(`XACK ${entry.id} failed: ${e.message}`);
    }
  }

  /** Moves the entry to the dead-letter stream and acknowledges it, atomically. */
  private async deadLetter(entry: StreamEntry, error: Error, deliveries: number): Promise<void> {
    const { fields } = entry;
    const run = { handler: this.sub.handler, name: fields.name, destination: entry.destination };
    this.logger.error(
      handledLine(
        { ...run, messageId: fields.message_id, delivery: deliveries },
        'dead-lettered',
        error,
      ),
    );
    try {
      await this.deps.redis
        .multi()
        .xadd(
          this.deps.names.deadLetters,
          '*',
          ...deadLetterFields(entry, {
            group: this.group,
            handler: this.sub.handler,
            error,
            deliveries,
          }),
        )
        .xack(entry.key, this.group, entry.id)
        .exec();
      this.deps.metrics.deadLettered.inc({ topic: entry.destination, handler: this.sub.handler });
    } catch (e) {
      // Never dropped: the entry stays pending and comes back through a claim.
      this.logger.error(`dead-lettering ${entry.id} failed, left pending: ${e.message}`);
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
