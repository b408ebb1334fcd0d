import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';

function metric<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export interface BacklogSource {
  outboxBacklog(): Promise<{ count: number; oldestAgeSeconds: number }>;
  pendingPerGroup(): Promise<{ group: string; stream: string; pending: number }[]>;
  deadLetterCount(): Promise<number>;
}

/** Gauges are process-wide (prom-client's registry), so their source is too: the last app booted. */
let currentSource: BacklogSource | undefined;

/**
 * The message metrics of spec §7. Labels carry topics (stream names without prefix) and
 * handler names only, never ids. The gauges are read from PostgreSQL and Redis at scrape time.
 */
@Injectable()
export class MessagingMetrics {
  readonly processed = metric(
    'messages_processed_total',
    () =>
      new Counter({
        name: 'messages_processed_total',
        help: 'Messages a handler processed successfully (duplicates included)',
        labelNames: ['topic', 'handler'],
      }),
  );
  readonly failed = metric(
    'messages_processing_failed_total',
    () =>
      new Counter({
        name: 'messages_processing_failed_total',
        help: 'Failed handler attempts (each retry counts)',
        labelNames: ['topic', 'handler'],
      }),
  );
  readonly duration = metric(
    'messages_processing_duration_seconds',
    () =>
      new Histogram({
        name: 'messages_processing_duration_seconds',
        help: 'Time a handler took for one message, including its transaction',
        labelNames: ['topic', 'handler'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  );
  readonly deadLettered = metric(
    'messages_dead_lettered_total',
    () =>
      new Counter({
        name: 'messages_dead_lettered_total',
        help: 'Messages moved to the dead-letter stream',
        labelNames: ['topic', 'handler'],
      }),
  );
  readonly handedOn = metric(
    'consumer_transactions_handed_on_total',
    () =>
      new Counter({
        name: 'consumer_transactions_handed_on_total',
        help: "Handler transactions begun in the round trip of another one's COMMIT, with its connection slot (a message was waiting for a slot)",
      }),
  );
  readonly joined = metric(
    'consumer_transactions_joined_total',
    () =>
      new Counter({
        name: 'consumer_transactions_joined_total',
        help: "Handler attempts run in a savepoint of the previous one's open transaction, sharing its COMMIT (it was waiting for a slot)",
      }),
  );
  readonly relayRows = metric(
    'outbox_relay_published_total',
    () =>
      new Counter({
        name: 'outbox_relay_published_total',
        help: 'Outbox rows the relay published',
      }),
  );

  constructor() {
    metric(
      'outbox_backlog',
      () =>
        new Gauge({
          name: 'outbox_backlog',
          help: 'Outbox rows not yet published',
          async collect() {
            const b = await currentSource?.outboxBacklog().catch(() => undefined);
            if (b) this.set(b.count);
          },
        }),
    );
    metric(
      'outbox_oldest_unpublished_age_seconds',
      () =>
        new Gauge({
          name: 'outbox_oldest_unpublished_age_seconds',
          help: 'Age of the oldest unpublished outbox row (0 when none)',
          async collect() {
            const b = await currentSource?.outboxBacklog().catch(() => undefined);
            if (b) this.set(b.oldestAgeSeconds);
          },
        }),
    );
    metric(
      'consumer_group_pending',
      () =>
        new Gauge({
          name: 'consumer_group_pending',
          help: 'Entries delivered to a consumer group and not yet acknowledged',
          labelNames: ['topic', 'group'],
          async collect() {
            const rows = await currentSource?.pendingPerGroup().catch(() => undefined);
            this.reset();
            for (const r of rows ?? []) this.set({ topic: r.stream, group: r.group }, r.pending);
          },
        }),
    );
    metric(
      'dead_letters',
      () =>
        new Gauge({
          name: 'dead_letters',
          help: 'Entries in the dead-letter stream',
          async collect() {
            const n = await currentSource?.deadLetterCount().catch(() => undefined);
            if (n !== undefined) this.set(n);
          },
        }),
    );
  }

  setSource(source: BacklogSource): void {
    currentSource = source;
  }

  relayPublished(n: number): void {
    this.relayRows.inc(n);
  }
}
