import {
  DynamicModule,
  Module,
  ModuleMetadata,
  OnApplicationShutdown,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { isClusterUrl, RedisClient } from '../platform/redis/redis-client';
import { DiscoveryModule } from '@nestjs/core';
import { EventBus } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConsumerHost } from './consumer/consumer-host';
import { armFaults } from './faults';
import { SubscriptionDiscovery } from './consumer/subscriptions';
import { MessagingMetrics } from './messaging.metrics';
import { MESSAGING_OPTIONS, MessagingOptions, validateMessagingOptions } from './messaging.options';
import { RedisFactory, StreamNames } from './messaging.tokens';
import { outboxBacklog } from './messaging-status';
import { nameMessagingTracer } from './messaging.tracer';
import { OutboxCommandRouting } from './outbox-command';
import { CommandSender, OutboxEventPublisher } from './outbox.publisher';
import { OutboxNotifier } from './outbox.notifier';
import { OutboxWriter } from './outbox.writer';
import { IoRedisFactory } from './redis.factory';
import { scanStreams } from './redis-keys';
import { OutboxRelay } from './relay/outbox.relay';
import { StreamTrimmer } from './stream-trimmer';
import { Pruner } from './pruner';

/** MessagingModule.forRootAsync: options made by a factory from other providers (the app's config). */
export interface MessagingAsyncOptions {
  imports?: ModuleMetadata['imports'];
  useFactory: (...args: any[]) => MessagingOptions | Promise<MessagingOptions>;
  inject?: any[];
}

/**
 * The plumbing every feature gets for free: the outbox publisher behind EventBus, the command
 * sender, the relay, one consumer group per handler, retries, claims, dead letters, trimming
 * and the message metrics. Feature modules only declare messages and handlers. Global, so
 * features reach OutboxWriter and CommandSender without importing it.
 */
@Module({})
export class MessagingModule implements OnModuleInit, OnApplicationShutdown {
  private metricsRedis?: RedisClient;

  constructor(
    private readonly eventBus: EventBus,
    private readonly publisher: OutboxEventPublisher,
    private readonly metrics: MessagingMetrics,
    private readonly consumers: ConsumerHost,
    private readonly names: StreamNames,
    private readonly redisFactory: RedisFactory,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  static forRoot(options: MessagingOptions): DynamicModule {
    return MessagingModule.with([], { provide: MESSAGING_OPTIONS, useValue: configure(options) });
  }

  static forRootAsync({
    imports = [],
    useFactory,
    inject = [],
  }: MessagingAsyncOptions): DynamicModule {
    return MessagingModule.with(imports, {
      provide: MESSAGING_OPTIONS,
      useFactory: async (...args: unknown[]) => configure(await useFactory(...args)),
      inject,
    });
  }

  private static with(imports: ModuleMetadata['imports'], options: Provider): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [DiscoveryModule, ...(imports ?? [])],
      providers: [
        options,
        {
          provide: StreamNames,
          useFactory: (o: MessagingOptions) =>
            new StreamNames(o.keyPrefix, o.serviceName, isClusterUrl(o.redisUrl)),
          inject: [MESSAGING_OPTIONS],
        },
        { provide: RedisFactory, useClass: IoRedisFactory },
        OutboxWriter,
        OutboxNotifier,
        OutboxEventPublisher,
        CommandSender,
        OutboxCommandRouting,
        MessagingMetrics,
        SubscriptionDiscovery,
        ConsumerHost,
        OutboxRelay,
        StreamTrimmer,
        Pruner,
      ],
      exports: [
        MESSAGING_OPTIONS,
        StreamNames,
        RedisFactory,
        OutboxWriter,
        CommandSender,
        MessagingMetrics,
        ConsumerHost,
        OutboxRelay,
      ],
    };
  }

  onModuleInit(): void {
    this.eventBus.publisher = this.publisher;
    const redis = (this.metricsRedis = this.redisFactory.create('metrics'));
    const consumers = this.consumers;
    const db = this.db;
    const names = this.names;
    this.metrics.setSource({
      async outboxBacklog() {
        const { backlog, oldest_age_seconds } = await outboxBacklog(db);
        return { count: backlog, oldestAgeSeconds: oldest_age_seconds };
      },
      async pendingPerGroup() {
        const out: { group: string; stream: string; pending: number }[] = [];
        for (const { group, streams } of consumers.groups()) {
          for (const { key, destination } of streams) {
            const [pending] = (await redis.xpending(key, group)) as [number];
            out.push({ group, stream: destination, pending });
          }
        }
        return out;
      },
      async deadLetterCount() {
        if (!names.cluster) return redis.xlen(names.deadLetters);
        const keys = await scanStreams(redis, names.deadLetterPattern);
        const lengths = await Promise.all(keys.map((key) => redis.xlen(key)));
        return lengths.reduce((sum, n) => sum + n, 0);
      },
    });
  }

  onApplicationShutdown(): void {
    this.metricsRedis?.disconnect();
  }
}

/** Validates the options and sets what is process-wide: the tracer's name and the test faults. */
function configure(options: MessagingOptions): MessagingOptions {
  validateMessagingOptions(options);
  nameMessagingTracer(options.serviceName);
  armFaults(options.faults);
  return options;
}
