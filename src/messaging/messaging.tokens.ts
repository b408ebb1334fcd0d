import Redis from 'ioredis';

/** Where Redis keys live: STREAM_PREFIX in front of every key the app creates. */
export class StreamNames {
  constructor(readonly prefix: string) {}

  stream(destination: string): string {
    return this.prefix + destination;
  }

  group(handlerName: string): string {
    return `tickets.${handlerName}`;
  }

  get deadLetters(): string {
    return this.prefix + 'dead-letters';
  }
}

/** Makes Redis connections: a blocking XREADGROUP needs a connection of its own. */
export abstract class RedisFactory {
  abstract create(purpose: string): Redis;
}

export const OUTBOX_CHANNEL = 'tickets_outbox';
