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
import { APP_CONFIG, AppConfig } from '../platform/config/app.config';

/** Rows per DELETE: each batch is a short transaction of its own, holding few row locks. */
export const PRUNE_BATCH = 1000;

interface Rule {
  table: 'outbox' | 'processed_messages' | 'webhook_requests';
  /** the row's age column; only rows it is not null for are pruned (unpublished rows stay) */
  column: string;
  keepMs: (c: AppConfig) => number;
}

const RULES: Rule[] = [
  { table: 'outbox', column: 'published_at', keepMs: (c) => c.retention.outboxMs },
  { table: 'processed_messages', column: 'processed_at', keepMs: (c) => c.retention.dedupeMs },
  { table: 'webhook_requests', column: 'received_at', keepMs: (c) => c.retention.webhookKeyMs },
];

/** The last app booted answers the gauge (prom-client's registry is process-wide). */
let currentDb: DataSource | undefined;

/**
 * Runs in the relay role: deletes published outbox rows, dedupe records and webhook keys older
 * than their retention (spec §10), oldest first, PRUNE_BATCH rows per statement so no
 * transaction is long and no lock is held for long; SKIP LOCKED lets several relays share the
 * work. The events store and the business tables are never touched. A pass runs at half the
 * shortest retention, at least every minute.
 */
@Injectable()
export class Pruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Pruner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    const existing = register.getSingleMetric('table_rows');
    if (!existing) {
      new Gauge({
        name: 'table_rows',
        help: 'Rows in each table the relay prunes (outbox, processed_messages, webhook_requests)',
        labelNames: ['table'],
        async collect() {
          const rows = await countRows(currentDb).catch(() => undefined);
          for (const [table, n] of Object.entries(rows ?? {})) this.set({ table }, n);
        },
      });
    }
    currentDb = db;
  }

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('relay')) return;
    const shortest = Math.min(...RULES.map((r) => r.keepMs(this.config)));
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
    for (const rule of RULES) {
      deleted[rule.table] = 0;
      const cutoff = new Date(Date.now() - rule.keepMs(this.config));
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

  private async pruneBatch(rule: Rule, cutoff: Date): Promise<number> {
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
    if (currentDb === this.db) currentDb = undefined;
  }
}

async function countRows(db: DataSource | undefined): Promise<Record<string, number>> {
  if (!db?.isInitialized) return {};
  const [row] = await db.query(
    `SELECT ${RULES.map((r) => `(SELECT count(*) FROM ${r.table})::bigint AS ${r.table}`).join(', ')}`,
  );
  return Object.fromEntries(RULES.map((r) => [r.table, Number(row[r.table])]));
}
