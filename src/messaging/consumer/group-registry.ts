import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessagingOptions } from '../messaging.options';
import { replayOutbox, replayableSince } from '../outbox-replay';

/**
 * What the consumer groups have read, kept in PostgreSQL because Redis is what may forget. A
 * group that Redis no longer has but that is listed here was lost (a restart without
 * persistence, a flush, a failover that dropped it, a deleted stream or group), and with it the
 * record of what it had handled: everything the outbox still holds for its streams is published
 * again, and the handlers' dedupe on message_id keeps each effect to one.
 */
export class GroupRegistry {
  private readonly logger = new Logger(GroupRegistry.name);

  constructor(
    private readonly db: DataSource,
    private readonly options: MessagingOptions,
  ) {}

  /**
   * Called before the missing groups are created again: republishes what a lost group may not
   * have handled, then records the groups. A crash in between republishes again on restart (the
   * group is still missing), which costs duplicates, never a message.
   */
  async recover(group: string, missing: string[]): Promise<void> {
    const rows: { destination: string }[] = await this.db.query(
      `SELECT destination FROM consumer_groups WHERE group_name = $1 AND destination = ANY($2)`,
      [group, missing],
    );
    const lost = rows.map((r) => r.destination);
    if (lost.length) {
      const n = await replayOutbox((sql, p) => this.db.query(sql, p), {
        destinations: lost,
        since: replayableSince(this.options),
      });
      this.logger.warn(
        `consumer group ${group} was lost from Redis on ${lost.join(', ')}: ${n} outbox rows published again`,
      );
    }
  }

  async register(group: string, destinations: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO consumer_groups (group_name, destination)
       SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [group, destinations],
    );
  }
}
