import { RedisClient } from '../platform/redis/redis-client';
import { StreamNames } from './messaging.tokens';
import { scanStreams } from './redis-keys';
import { compareIds, DeadLetter, decodeDeadLetter, redriveFields } from './streams/stream-entry';

export type { DeadLetter };

/** Dead letters read per page by `redrive`. */
export const REDRIVE_PAGE = 1000;

/**
 * Lists and re-drives the dead letters (used by `npm run dlq`): the dead-letter stream, or on a
 * cluster every stream's own (StreamNames.deadLettersOf), merged in id order.
 */
export class DeadLetters {
  constructor(
    private readonly redis: RedisClient,
    private readonly names: StreamNames,
  ) {}

  private async keys(): Promise<string[]> {
    if (!this.names.cluster) return [this.names.deadLetters];
    return (await scanStreams(this.redis, this.names.deadLetterPattern)).sort();
  }

  /** Dead letters from `start` (an id, `(id` for after it, or `-`) to `end`, oldest first. */
  async list(count = 1000, start = '-', end = '+'): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const key of await this.keys())
      letters.push(...(await this.range(key, count, start, end)));
    return letters.sort((a, b) => compareIds(a.id, b.id)).slice(0, count);
  }

  private async range(key: string, count: number, start: string, end: string) {
    const entries = (await this.redis.xrange(key, start, end, 'COUNT', count)) as [
      string,
      string[],
    ][];
    return entries.map(([id, flat]) => decodeDeadLetter(id, flat));
  }

  /** The newest `count` dead letters, newest first, and how many there are in all. */
  async newest(count: number): Promise<{ count: number; items: DeadLetter[] }> {
    const [entries, total] = await Promise.all([
      this.redis.xrevrange(this.names.deadLetters, '+', '-', 'COUNT', count) as Promise<
        [string, string[]][]
      >,
      this.redis.xlen(this.names.deadLetters),
    ]);
    return { count: total, items: entries.map(([id, flat]) => decodeDeadLetter(id, flat)) };
  }

  /**
   * Puts dead letters back on their stream, addressed to the group that failed them only (the
   * other groups skip the copy), and removes them from the dead-letter stream.
   */
  async redrive(id?: string, onPage?: (done: number) => void): Promise<number> {
    if (id) {
      const letters = (await this.list(1, id)).filter((l) => l.id === id);
      for (const letter of letters) await this.redriveOne(letter);
      return letters.length;
    }
    let done = 0;
    for (const key of await this.keys()) {
      done = await this.redriveAll(key, done, onPage);
    }
    return done;
  }

  /**
   * A page at a time: the stream may hold many, and each page is only so much memory. Up to the
   * last letter there now: one that fails again meanwhile is not re-driven in a loop.
   */
  private async redriveAll(key: string, done: number, onPage?: (done: number) => void) {
    const [last] = (await this.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    if (!last) return done;
    let start = '-';
    for (;;) {
      const page = await this.range(key, REDRIVE_PAGE, start, last[0]);
      for (const letter of page) await this.redriveOne(letter);
      done += page.length;
      onPage?.(done);
      if (page.length < REDRIVE_PAGE) return done;
      start = `(${page[page.length - 1].id}`;
    }
  }

  private async redriveOne(letter: DeadLetter): Promise<void> {
    const stream = this.names.stream(letter.stream);
    await this.redis
      .multi()
      .xadd(stream, '*', ...redriveFields(letter))
      .xdel(this.names.deadLettersOf(stream), letter.id)
      .exec();
  }
}
