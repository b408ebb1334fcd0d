import Redis from 'ioredis';
import { StreamNames } from './messaging.tokens';
import { toFields } from './consumer/message-processor';

export interface DeadLetter {
  id: string;
  stream: string;
  group: string;
  handler: string;
  name: string;
  messageId: string;
  error: string;
  deliveries: number;
  at: string;
  fields: Record<string, string>;
}

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
    return entries.map(([id, flat]) => {
      const f = toFields(flat);
      return {
        id,
        stream: f.dlq_stream,
        group: f.dlq_group,
        handler: f.dlq_handler,
        name: f.name,
        messageId: f.message_id,
        error: f.dlq_error,
        deliveries: Number(f.dlq_deliveries),
        at: f.dlq_at,
        fields: f,
      };
    });
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
    const original = Object.entries(letter.fields).filter(
      ([k]) => !k.startsWith('dlq_') && k !== 'redrive_for',
    );
    await this.redis
      .multi()
      .xadd(this.names.stream(letter.stream), '*', ...original.flat(), 'redrive_for', letter.group)
      .xdel(this.names.deadLetters, letter.id)
      .exec();
  }
}
