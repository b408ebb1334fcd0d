import { RedisClient } from '../platform/redis/redis-client';

/**
 * The names messaging creates: Redis keys start with the key prefix, everything named outside
 * Redis's keys (groups, the LISTEN channel) with the service name.
 */
export class StreamNames {
  constructor(
    readonly prefix: string,
    readonly service: string,
    /** On a Redis Cluster, keys that one command must touch together share a slot. */
    readonly cluster = false,
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

  /**
   * Where entries of the stream `streamKey` are dead-lettered. One node: the one dead-letter
   * stream. A cluster: one per stream, hash-tagged into the stream's slot (`{<streamKey>}`
   * hashes like `<streamKey>` itself), so moving an entry there and acknowledging it stay one
   * MULTI, and a re-drive's XADD and XDEL too.
   */
  deadLettersOf(streamKey: string): string {
    return this.cluster ? `${this.deadLetters}{${streamKey}}` : this.deadLetters;
  }

  /** A SCAN pattern matching every dead-letter stream (the one, or all of a cluster's). */
  get deadLetterPattern(): string {
    return this.cluster ? `${this.deadLetters}{*}` : this.deadLetters;
  }

  /** The PostgreSQL channel that wakes relays after outbox rows commit. */
  get outboxChannel(): string {
    return `${this.service}_outbox`;
  }
}

/** Makes Redis connections: a blocking XREADGROUP needs a connection of its own. */
export abstract class RedisFactory {
  abstract create(purpose: string): RedisClient;
}
