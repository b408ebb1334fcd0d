import { MessagingOptions } from './messaging.options';

/**
 * The oldest message it is safe to publish again: its dedupe records (at least as young as the
 * message) must outlive the redelivery, or a handler would act on it twice. With the defaults,
 * 7 days minus about an hour.
 */
export function replayableSince(
  options: Pick<MessagingOptions, 'retention'>,
  now = Date.now(),
): Date {
  const { dedupeMs, longestRedeliveryMs } = options.retention;
  return new Date(now - (dedupeMs - longestRedeliveryMs));
}
/** Runs one SQL statement; the DataSource's or a client's `query`. */
export type Query = (sql: string, params?: unknown[]) => Promise<any>;

/** Rows per statement: each batch is a transaction of its own, so no lock is held for long. */
export const REPLAY_BATCH = 1000;

/**
 * Marks published outbox rows unpublished again, so the relay publishes them once more
 * (consumers dedupe on message_id). `destinations` limits it to some streams; only rows published
 * before `before` are taken, so rows already published again meanwhile are not sent a third time;
 * `fromId` starts at that outbox row (the relay's replay after a failover).
 * Returns how many rows it marked; `progress` hears the running total after each batch.
 */
export async function replayOutbox(
  query: Query,
  filter: { destinations?: string[]; since?: Date; before?: Date; fromId?: string },
  progress?: (done: number) => void,
): Promise<number> {
  const [{ now }] = await query(`SELECT now() AS now`);
  const before = filter.before ?? (now as Date);
  let done = 0;
  for (;;) {
    const rows: { id: string }[] = await query(
      `UPDATE outbox SET published_at = NULL
        WHERE id IN (SELECT id FROM outbox
                      WHERE published_at IS NOT NULL AND published_at < $1
                        AND ($2::text[] IS NULL OR destination = ANY($2::text[]))
                        AND ($3::timestamptz IS NULL OR created_at >= $3)
                        AND ($4::bigint IS NULL OR id >= $4)
                      ORDER BY id LIMIT ${REPLAY_BATCH})
        RETURNING id`,
      [before, filter.destinations ?? null, filter.since ?? null, filter.fromId ?? null],
    );
    const n = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
    done += n;
    progress?.(done);
    if (n < REPLAY_BATCH) return done;
  }
}
