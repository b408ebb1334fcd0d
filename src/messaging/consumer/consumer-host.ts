import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { RedisClient } from '../../platform/redis/redis-client';
import { DataSource } from 'typeorm';
import { ClsService } from 'nestjs-cls';
import { MessagingMetrics } from '../messaging.metrics';
import { MESSAGING_OPTIONS, MessagingOptions } from '../messaging.options';
import { OutboxWriter } from '../outbox.writer';
import { RedisFactory, StreamNames } from '../messaging.tokens';
import { GroupConsumer } from './group-consumer';
import { GroupRegistry } from './group-registry';
import { BatchProcessor } from './batch-processor';
import { MessageProcessor, ProcessorDeps } from './message-processor';
import { Semaphore } from './semaphore';
import { HandedOver } from './steps/begin-with';
import { SubscriptionDiscovery } from './subscriptions';

/**
 * Runs one GroupConsumer per handler in processes with the `worker` role. The consumer name is
 * unique per process, so a restarted process never inherits (and never deletes) a dead one's
 * pending entries; those are claimed after CLAIM_IDLE_MS instead.
 */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConsumerHost.name);
  private consumers: GroupConsumer[] = [];
  private redis?: RedisClient;
  private readonly stopping = abortController();
  private started = false;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly discovery: SubscriptionDiscovery,
    private readonly redisFactory: RedisFactory,
    private readonly names: StreamNames,
    private readonly cls: ClsService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly metrics: MessagingMetrics,
    private readonly writer: OutboxWriter,
    @InjectDataSource() private readonly db?: DataSource,
  ) {}

  get enabled(): boolean {
    return this.options.roles.has('worker');
  }

  async onApplicationBootstrap(): Promise<void> {
    const subscriptions = this.discovery.discover(); // validates handlers in every role
    if (!this.enabled) return;
    const c = this.options.consumer;
    const consumerName = c.name ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.redis = this.redisFactory.create('consumer-commands');
    const sharing = c.sharedCommit;
    const slots = new Semaphore<HandedOver>(
      c.connectionSlots,
      (gift) => (gift.joined ? this.metrics.joined : this.metrics.handedOn).inc(),
      sharing && sharing.messages > 1 && sharing.waitWhenBusy !== undefined
        ? { busy: sharing.waitWhenBusy, ms: sharing.withinMs }
        : undefined,
    );
    const registry = this.db ? new GroupRegistry(this.db, this.options) : undefined;
    for (const sub of subscriptions) {
      const deps: ProcessorDeps = {
        options: this.options,
        cls: this.cls,
        txHost: this.txHost,
        metrics: this.metrics,
        names: this.names,
        redis: this.redis,
        stopping: this.stopping.signal,
        slots,
        writer: this.writer,
      };
      const processor = new MessageProcessor(sub, deps);
      // One XREADGROUP may only name streams of one slot: on a cluster, a reader per stream.
      const readers = this.names.cluster ? sub.destinations.map((d) => [d]) : [sub.destinations];
      for (const destinations of readers) {
        this.consumers.push(
          new GroupConsumer(
            processor,
            destinations,
            this.redisFactory.create(`consumer ${sub.handler}`),
            this.redis,
            {
              consumerName,
              batch: c.batch,
              concurrency: c.concurrency,
              claimIdleMs: c.claimIdleMs,
              streamKey: (d) => this.names.stream(d),
              registry,
            },
            sub.batch ? new BatchProcessor(sub, processor, deps) : undefined,
          ),
        );
      }
    }
    await Promise.all(this.consumers.map((c) => c.start()));
    this.started = true;
    this.logger.log(`${this.consumers.length} consumer groups running as ${consumerName}`);
  }

  /** Health: null when every group reads, else the first problem. */
  problem(): string | null {
    if (!this.enabled) return null;
    if (!this.started) return 'consumers not started';
    for (const c of this.consumers) {
      const p = c.problem();
      if (p) return p;
    }
    return null;
  }

  groups(): { group: string; streams: { key: string; destination: string }[] }[] {
    return this.consumers.map((c) => ({ group: c.group, streams: c.streams }));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping.abort();
    await Promise.all(this.consumers.map((c) => c.stop(this.options.shutdownTimeoutMs)));
    this.redis?.disconnect();
  }
}

/** Every message waiting out a backoff listens on it: many listeners are expected, not a leak. */
function abortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
