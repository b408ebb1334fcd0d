import Redis from 'ioredis';

/**
 * The names messaging creates: Redis keys start with the key prefix, everything named outside
 * Redis's keys (groups, the LISTEN channel) with the service name.
 */
export class StreamNames {
  constructor(
    readonly prefix: string,
    readonly service: string,
  ) {}

  stream(destination: string): string {
    return this.prefix + destination;
  }

  group(handlerName: string): string {
    return `${this.service}.${handlerName}`;
  }

  get deadLetters(): string {
    return this.prefix + 'dead-letters';
  }

  /** The PostgreSQL channel that wakes relays after outbox rows commit. */
  get outboxChannel(): string {
    return `${this.service}_outbox`;
  }
}

/** Makes Redis connections: a blocking XREADGROUP needs a connection of its own. */
export abstract class RedisFactory {
  abstract create(purpose: string): Redis;
}
