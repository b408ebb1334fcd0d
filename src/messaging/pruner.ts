import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { MESSAGING_OPTIONS, MessagingOptions, PruneRule } from './messaging.options';

/** Rows per DELETE: each batch is a short transaction of its own, holding few row locks. */
export const PRUNE_BATCH = 1000;

/** Messaging's own tables (unpublished outbox rows have no published_at and stay), then the app's. */
function rulesOf(options: MessagingOptions): PruneRule[] {
  const { outboxMs, dedupeMs, alsoPrune = [] } = options.retention;
  return [
    { table: 'outbox', column: 'published_at', keepMs: outboxMs },
    { table: 'processed_messages', column: 'processed_at', keepMs: dedupeMs },
    ...alsoPrune,
  ];
}

/** The last app booted answers the gauge (prom-client's registry is process-wide). */
let current: { db: DataSource; rules: PruneRule[] } | undefined;

/**
 * Runs in the relay role: deletes published outbox rows, dedupe records and the rows of the
 * application's `retention.alsoPrune` tables (webhook keys) older than their retention (spec
 * §10), oldest first, PRUNE_BATCH rows per statement so no transaction is long and no lock is
 * held for long; SKIP LOCKED lets several relays share the work. The events store and the other tables are never touched. A pass runs at half the
 * shortest retention, at least every minute.
 */
@Injectable()
export class Pruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Pruner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  private readonly rules: PruneRule[];

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.rules = rulesOf(options);
    const existing = register.getSingleMetric('table_rows');
    if (!existing) {
      new Gauge({
        name: 'table_rows',
        help: "Rows in each table the relay prunes (outbox, processed_messages and the application's)",
        labelNames: ['table'],
        async collect() {
          const rows = await countRows(current).catch(() => undefined);
          for (const [table, n] of Object.entries(rows ?? {})) this.set({ table }, n);
        },
      });
    }
    current = { db, rules: this.rules };
  }

  onApplicationBootstrap(): void {
    if (!this.options.roles.has('relay')) return;
    const shortest = Math.min(...this.rules.map((r) => r.keepMs));
    const every = Math.min(60_000, Math.max(1000, Math.floor(shortest / 2)));
    this.timer = setInterval(() => {
      this.running ??= this.pruneAll()
        .catch((e) => this.logger.warn(`pruning failed, will retry: ${e.message}`))
        .finally(() => (this.running = undefined));
    }, every);
  }

  /** One pass over every table; returns the rows deleted per table. */
  async pruneAll(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.rules) {
      deleted[rule.table] = 0;
      const cutoff = new Date(Date.now() - rule.keepMs);
      for (;;) {
        if (this.stopped) return deleted;
        const n = await this.pruneBatch(rule, cutoff);
        deleted[rule.table] += n;
        if (n < PRUNE_BATCH) break;
      }
    }
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total > 0) this.logger.log({ msg: `pruned ${total} rows past their retention`, deleted });
    return deleted;
  }

  private async pruneBatch(rule: PruneRule, cutoff: Date): Promise<number> {
    const [, affected] = await this.db.query<[unknown, number]>(
      `DELETE FROM ${rule.table} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${rule.table} WHERE ${rule.column} < $1
          ORDER BY ${rule.column} LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED))`,
      [cutoff],
    );
    return affected;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (current?.db === this.db) current = undefined;
  }
}

async function countRows(
  app: { db: DataSource; rules: PruneRule[] } | undefined,
): Promise<Record<string, number>> {
  if (!app?.db.isInitialized) return {};
  const { db, rules } = app;
  const [row] = await db.query(
    `SELECT ${rules.map((r) => `(SELECT count(*) FROM ${r.table})::bigint AS ${r.table}`).join(', ')}`,
  );
  return Object.fromEntries(rules.map((r) => [r.table, Number(row[r.table])]));
}
