import Redis from 'ioredis';
import { StreamNames } from './messaging.tokens';
import { DeadLetter, decodeDeadLetter, redriveFields } from './streams/stream-entry';

export type { DeadLetter };

/** Dead letters read per page by `redrive`. */
export const REDRIVE_PAGE = 1000;

/** Lists and re-drives the dead-letter stream (used by `npm run dlq`). */
export class DeadLetters {
  constructor(
    private readonly redis: Redis,
    private readonly names: StreamNames,
  ) {}

  /** Dead letters from `start` (an id, `(id` for after it, or `-`) to `end`, oldest first. */
  async list(count = 1000, start = '-', end = '+'): Promise<DeadLetter[]> {
    const entries = (await this.redis.xrange(
      this.names.deadLetters,
      start,
      end,
      'COUNT',
      count,
    )) as [string, string[]][];
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
    // A page at a time: the stream may hold many, and each page is only so much memory. Up to
    // the last letter there now: one that fails again meanwhile is not re-driven in a loop.
    const [last] = (await this.redis.xrevrange(this.names.deadLetters, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    if (!last) return 0;
    let done = 0;
    let start = '-';
    for (;;) {
      const page = await this.list(REDRIVE_PAGE, start, last[0]);
      for (const letter of page) await this.redriveOne(letter);
      done += page.length;
      onPage?.(done);
      if (page.length < REDRIVE_PAGE) return done;
      start = `(${page[page.length - 1].id}`;
    }
  }

  private async redriveOne(letter: DeadLetter): Promise<void> {
    await this.redis
      .multi()
      .xadd(this.names.stream(letter.stream), '*', ...redriveFields(letter))
      .xdel(this.names.deadLetters, letter.id)
      .exec();
  }
}
