import { RedisClient } from '../platform/redis/redis-client';
import { DataSource } from 'typeorm';
import { DeadLetters } from './dead-letters';
import { StreamNames } from './messaging.tokens';

/** One consumer group on one stream, as Redis's XINFO GROUPS tells it. */
export interface GroupStatus {
  group: string;
  /** the stream without prefix, e.g. `events.BookingMade_v1` */
  stream: string;
  /** delivered and not acknowledged yet */
  pending: number;
  /** entries on the stream the group has not read yet; null when Redis cannot tell (after a trim) */
  lag: number | null;
  /** false: the table lists the group but Redis lacks it (lost; the consumer recreates it) */
  present: boolean;
}

export interface OutboxStatus {
  /** rows not published yet */
  backlog: number;
  oldest_age_seconds: number;
}

/** Outbox rows not yet published, and the age of the oldest (also the `/metrics` gauges). */
export async function outboxBacklog(db: DataSource): Promise<OutboxStatus> {
  const [row] = await db.query(
    `SELECT count(*)::int AS count,
            COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS age
       FROM outbox WHERE published_at IS NULL`,
  );
  return { backlog: row.count, oldest_age_seconds: row.age };
}

/**
 * What an operator looks at (the web application's messaging panel, spec §11): every consumer
 * group any process ever created, taken from PostgreSQL's `consumer_groups` so that a process of
 * any role sees all of them, with Redis's count of pending and unread entries; the outbox
 * backlog; the dead letters.
 */
export class MessagingStatus {
  readonly deadLetters: DeadLetters;

  constructor(
    private readonly db: DataSource,
    private readonly redis: RedisClient,
    private readonly names: StreamNames,
  ) {
    this.deadLetters = new DeadLetters(redis, names);
  }

  async groups(): Promise<GroupStatus[]> {
    const rows: { group_name: string; destination: string }[] = await this.db.query(
      `SELECT group_name, destination FROM consumer_groups ORDER BY group_name, destination`,
    );
    const byStream = new Map<string, Map<string, Record<string, unknown>>>();
    for (const destination of new Set(rows.map((r) => r.destination))) {
      byStream.set(destination, await this.infoGroups(this.names.stream(destination)));
    }
    return rows.map(({ group_name, destination }) => {
      const info = byStream.get(destination)?.get(group_name);
      return {
        group: group_name,
        stream: destination,
        pending: Number(info?.pending ?? 0),
        lag: info && typeof info.lag === 'number' ? info.lag : null,
        present: info !== undefined,
      };
    });
  }

  outbox(): Promise<OutboxStatus> {
    return outboxBacklog(this.db);
  }

  private async infoGroups(key: string): Promise<Map<string, Record<string, unknown>>> {
    const groups = new Map<string, Record<string, unknown>>();
    try {
      const reply = (await this.redis.xinfo('GROUPS', key)) as unknown[][];
      for (const flat of reply) {
        const info: Record<string, unknown> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) info[String(flat[i])] = flat[i + 1];
        groups.set(String(info.name), info);
      }
    } catch (err) {
      // No such stream (nothing published yet, or Redis lost it): no group there.
      if (!/no such key/i.test(String(err?.message))) throw err;
    }
    return groups;
  }
}
