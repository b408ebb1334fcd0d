import { Inject, Injectable } from '@nestjs/common';
import { createRedisClient, RedisClient } from '../platform/redis/redis-client';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';
import { RedisFactory } from './messaging.tokens';

/**
 * Connections that never give up: ioredis reconnects with a capped backoff, and commands fail
 * fast while Redis is away (so loops can report it on /health and try again) instead of piling
 * up in memory.
 */
@Injectable()
export class IoRedisFactory extends RedisFactory {
  constructor(@Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions) {
    super();
  }

  create(purpose: string): RedisClient {
    const redis = createRedisClient(this.options.redisUrl, {
      connectionName: `${this.options.serviceName}:${purpose}`.replace(/\s+/g, '_'),
      maxRetriesPerRequest: 1,
      enableAutoPipelining: !purpose.startsWith('consumer '),
      retryStrategy: (times) => Math.min(times * 100, 2000),
      // A half-open connection must fail, not hang (a relay batch holds row locks meanwhile).
      // Blocking reads wait up to 1 s by themselves, so their bound is longer.
      commandTimeout: purpose.startsWith('consumer ') ? 10_000 : 5_000,
    });
    redis.on('error', () => undefined); // reported through the failing commands and /health
    return redis;
  }
}
