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

/** Lists and re-drives the dead-letter stream (used by `npm run dlq`). */
export class DeadLetters {
  constructor(
    private readonly redis: Redis,
    private readonly names: StreamNames,
  ) {}

  async list(count = 1000): Promise<DeadLetter[]> {
    const entries = (await this.redis.xrange(this.names.deadLetters, '-', '+', 'COUNT', count)) as [
      string,
      string[],
    ][];
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
  async redrive(id?: string): Promise<number> {
    const letters = (await this.list(100_000)).filter((l) => !id || l.id === id);
    for (const letter of letters) {
      const original = Object.entries(letter.fields).filter(
        ([k]) => !k.startsWith('dlq_') && k !== 'redrive_for',
      );
      await this.redis
        .multi()
        .xadd(
          this.names.stream(letter.stream),
          '*',
          ...original.flat(),
          'redrive_for',
          letter.group,
        )
        .xdel(this.names.deadLetters, letter.id)
        .exec();
    }
    return letters.length;
  }
}
