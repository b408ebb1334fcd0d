import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { DiscoveryModule } from '@nestjs/core';
import { EventBus } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../platform/config/app.config';
import { ConsumerHost } from './consumer/consumer-host';
import { SubscriptionDiscovery } from './consumer/subscriptions';
import { MessagingMetrics } from './messaging.metrics';
import { RedisFactory, StreamNames } from './messaging.tokens';
import { OutboxCommandRouting } from './outbox-command';
import { CommandSender, OutboxEventPublisher } from './outbox.publisher';
import { OutboxNotifier } from './outbox.notifier';
import { OutboxWriter } from './outbox.writer';
import { IoRedisFactory } from './redis.factory';
import { OutboxRelay } from './relay/outbox.relay';
import { StreamTrimmer } from './stream-trimmer';
import { Pruner } from './pruner';

/**
 * The plumbing every feature gets for free: the outbox publisher behind EventBus, the command
 * sender, the relay, one consumer group per handler, retries, claims, dead letters, trimming
 * and the message metrics. Feature modules only declare messages and handlers.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: StreamNames,
      useFactory: (c: AppConfig) => new StreamNames(c.streamPrefix),
      inject: [APP_CONFIG],
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
    StreamNames,
    RedisFactory,
    OutboxWriter,
    CommandSender,
    MessagingMetrics,
    ConsumerHost,
    OutboxRelay,
  ],
})
export class MessagingModule implements OnModuleInit, OnApplicationShutdown {
  private metricsRedis?: Redis;

  constructor(
    private readonly eventBus: EventBus,
    private readonly publisher: OutboxEventPublisher,
    private readonly metrics: MessagingMetrics,
    private readonly consumers: ConsumerHost,
    private readonly names: StreamNames,
    private readonly redisFactory: RedisFactory,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.eventBus.publisher = this.publisher;
    const redis = (this.metricsRedis = this.redisFactory.create('metrics'));
    const consumers = this.consumers;
    const db = this.db;
    const names = this.names;
    this.metrics.setSource({
      async outboxBacklog() {
        const [row] = await db.query(
          `SELECT count(*)::int AS count,
                  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS age
             FROM outbox WHERE published_at IS NULL`,
        );
        return { count: row.count, oldestAgeSeconds: row.age };
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
        return redis.xlen(names.deadLetters);
      },
    });
  }

  onApplicationShutdown(): void {
    this.metricsRedis?.disconnect();
  }
}
