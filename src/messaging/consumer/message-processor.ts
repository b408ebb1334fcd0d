import { Logger } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { RedisClient } from '../../platform/redis/redis-client';
import { ClsService } from 'nestjs-cls';
import { MessagingMetrics } from '../messaging.metrics';
import { MessagingOptions } from '../messaging.options';
import { OutboxWriter } from '../outbox.writer';
import { StreamNames } from '../messaging.tokens';
import { databaseDown } from './outage-counter';
import { Semaphore } from './semaphore';
import { HandedOver } from './steps/begin-with';
import { Acker, ackStep } from './steps/ack.step';
import { contextStep } from './steps/context.step';
import { DeadLetters, deadLetterStep } from './steps/dead-letter.step';
import { decodeStep } from './steps/decode.step';
import { deferredWritesDedupeStep } from './steps/dedupe-deferred.step';
import {
  inTransactionDedupeStep,
  recordHandledLiterally,
} from './steps/dedupe-in-transaction.step';
import { invokeStep } from './steps/invoke.step';
import { metricsStep } from './steps/metrics.step';
import { retryStep, WAIT_IN_PLACE } from './steps/retry.step';
import { slotStep } from './steps/slot.step';
import { chain, Delivery, Outcome, OffTask, StreamEntry } from './steps/step';
import { consumerSpanStep, handlerSpanStep } from './steps/tracing.step';
import { Subscription } from './subscriptions';

export { recordWith } from './steps/dedupe-deferred.step';

export interface ProcessorDeps {
  options: MessagingOptions;
  cls: ClsService;
  txHost: TransactionHost<TransactionalAdapterTypeOrm>;
  metrics: MessagingMetrics;
  names: StreamNames;
  redis: RedisClient;
  stopping: AbortSignal;
  slots: Semaphore<HandedOver>;
  writer: OutboxWriter;
}

/**
 * Everything one handler does with one delivered entry, as a chain of steps (see
 * docs/architecture.md, "Consumers"): decode, a CLS context (correlation id), the CONSUMER span,
 * ack after success, dead-letter after MAX_DELIVERIES, retries with backoff, a connection slot,
 * the handler span, metrics, the dedupe record in the handler's transaction (or after a
 * deferWrites handler), and the handler.
 */
export class MessageProcessor {
  readonly group: string;
  readonly acker: Acker;
  private readonly handle: (d: Delivery) => Promise<Outcome>;

  constructor(sub: Subscription, deps: ProcessorDeps) {
    const { handler } = sub;
    const { cls, txHost, metrics, redis } = deps;
    const { maxDeliveries, initialMs, maxMs } = deps.options.retry;
    this.group = deps.names.group(handler);
    const logger = new Logger(`handler ${handler}`);
    this.acker = new Acker(redis, this.group, logger);
    const deadLetters = new DeadLetters({
      redis,
      stream: (key) => deps.names.deadLettersOf(key),
      group: this.group,
      handler,
      metrics,
      logger,
    });
    this.handle = chain([
      decodeStep(this.group, this.acker, deadLetters),
      contextStep(cls),
      consumerSpanStep(this.group),
      ackStep(this.acker, handler),
      deadLetterStep(deadLetters),
      retryStep({
        handler,
        maxDeliveries,
        retryInitialMs: initialMs,
        retryMaxMs: maxMs,
        stopping: deps.stopping,
        databaseDown: () => databaseDown(() => txHost.tx.query('SELECT 1')),
        logger,
      }),
      slotStep(deps.slots, sub.deferWrites, (d) => recordHandledLiterally(handler, d)),
      handlerSpanStep(handler),
      metricsStep(metrics, handler),
      sub.deferWrites
        ? deferredWritesDedupeStep(deps, handler)
        : inTransactionDedupeStep(txHost, handler, deps.options.consumer.sharedCommit),
      invokeStep(sub),
    ]);
  }

  /** Resolves when the entry is acknowledged (handled or dead-lettered) or left pending. */
  async process(entry: StreamEntry, deliveries: number, offTask: OffTask = WAIT_IN_PLACE) {
    // An error is recorded on the consumer span; the entry stays pending for a claim.
    await this.handle({ entry, delivery: deliveries, offTask }).catch(() => undefined);
  }
}
