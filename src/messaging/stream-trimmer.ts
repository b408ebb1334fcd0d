import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { RedisClient } from '../platform/redis/redis-client';
import { SubscriptionDiscovery } from './consumer/subscriptions';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';
import { RedisFactory, StreamNames } from './messaging.tokens';
import { scanStreams } from './redis-keys';
import { compareIds } from './streams/stream-entry';

/** The most dead letters kept (approximately: Redis trims whole nodes). */
export const DEAD_LETTERS_MAX = 100_000;

/**
 * The lowest id any group may still need: for each group, its oldest pending entry or, with
 * nothing pending, the last entry delivered to it. Trimming below it drops only what every
 * group has acknowledged. With no group at all, nothing is safe to drop.
 */
export function safeTrimId(
  groups: { pendingMin: string | null; lastDelivered: string }[],
): string | null {
  if (groups.length === 0) return null;
  return groups
    .map((g) => g.pendingMin ?? g.lastDelivered)
    .reduce((min, id) => (compareIds(id, min) < 0 ? id : min));
}

/**
 * Runs in the relay role: keeps the streams short. An entry goes once every group has
 * acknowledged it and it is older than STREAM_RETENTION_MS (kept that long for inspection).
 * A stream is left alone while one of the groups this application reads it with does not exist
 * yet (a worker not started, a new handler): those groups start from the beginning. A stream
 * nobody reads is cut to the retention time.
 */
@Injectable()
export class StreamTrimmer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StreamTrimmer.name);
  private timer?: NodeJS.Timeout;
  private redis?: RedisClient;

  private expected?: Map<string, Set<string>>;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly redisFactory: RedisFactory,
    private readonly names: StreamNames,
    private readonly discovery: SubscriptionDiscovery,
  ) {}

  /** The groups this application's handlers read each stream with (destination → groups). */
  private expectedGroups(): Map<string, Set<string>> {
    if (!this.expected) {
      this.expected = new Map();
      for (const sub of this.discovery.discover()) {
        for (const d of sub.destinations) {
          const groups = this.expected.get(d) ?? new Set<string>();
          groups.add(this.names.group(sub.handler));
          this.expected.set(d, groups);
        }
      }
    }
    return this.expected;
  }

  onApplicationBootstrap(): void {
    if (!this.options.roles.has('relay')) return;
    this.redis = this.redisFactory.create('trimmer');
    this.timer = setInterval(() => void this.trimAll().catch(() => undefined), 30_000);
  }

  async trimAll(): Promise<number> {
    if (!this.redis) return 0;
    let trimmed = 0;
    for (const pattern of ['events.*', 'commands.*']) {
      const keys = await scanStreams(this.redis, this.names.prefix + pattern);
      for (const key of keys) trimmed += await this.trim(key);
    }
    return trimmed + (await this.trimDeadLetters());
  }

  /**
   * The dead letters are kept as long as their messages are kept in the outbox (OUTBOX_RETENTION:
   * until then `npm run outbox -- replay` can still send them again), and at most about
   * DEAD_LETTERS_MAX of them, so a poison storm cannot fill Redis (on a cluster, per stream's
   * dead-letter stream). What goes is logged.
   */
  async trimDeadLetters(): Promise<number> {
    const redis = this.redis!;
    const horizon = `${Date.now() - this.options.retention.outboxMs}-0`;
    const keys = this.names.cluster
      ? await scanStreams(redis, this.names.deadLetterPattern)
      : [this.names.deadLetters];
    let dropped = 0;
    for (const key of keys) {
      const old = await redis.xtrim(key, 'MINID', horizon);
      const many = await redis.xtrim(key, 'MAXLEN', '~', DEAD_LETTERS_MAX);
      if (old + many > 0) {
        this.logger.warn(
          `dropped ${old} dead letters older than OUTBOX_RETENTION and ${many} beyond the newest ${DEAD_LETTERS_MAX}${this.names.cluster ? ` from ${key}` : ''}`,
        );
      }
      dropped += old + many;
    }
    return dropped;
  }

  async trim(key: string): Promise<number> {
    const redis = this.redis!;
    const info = (await redis.xinfo('GROUPS', key)) as unknown[][];
    const horizon = `${Date.now() - this.options.retention.streamMs}-0`;
    const present = new Set(info.map((raw) => String(raw[raw.indexOf('name') + 1])));
    const expected = this.expectedGroups().get(key.slice(this.names.prefix.length)) ?? new Set();
    if ([...expected].some((g) => !present.has(g))) return 0; // a handler's group is not there yet
    if (info.length === 0) {
      // Nobody reads it (InternalOpsReadModelUpdated): kept for the retention time only.
      return await redis.xtrim(key, 'MINID', horizon);
    }
    const groups: { pendingMin: string | null; lastDelivered: string }[] = [];
    for (const raw of info) {
      const g = Object.fromEntries(
        Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i], raw[2 * i + 1]]),
      ) as Record<string, any>;
      const summary = (await redis.xpending(key, g.name)) as [number, string | null, ...unknown[]];
      groups.push({
        pendingMin: summary[0] > 0 ? summary[1] : null,
        lastDelivered: g['last-delivered-id'],
      });
    }
    const safe = safeTrimId(groups);
    if (!safe) return 0;
    const minId = compareIds(safe, horizon) < 0 ? safe : horizon;
    return await redis.xtrim(key, 'MINID', minId);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.redis?.disconnect();
  }
}
