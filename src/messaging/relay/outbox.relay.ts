import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Cluster } from 'ioredis';
import { byMaster, masterOf, RedisClient } from '../../platform/redis/redis-client';
import { Span } from '@opentelemetry/api';
import { endSendSpans, startSendSpan } from '../telemetry/messaging-spans';
import { hitFault } from '../faults';
import { MessagingMetrics } from '../messaging.metrics';
import { MESSAGING_OPTIONS, MessagingOptions } from '../messaging.options';
import { RedisFactory, StreamNames } from '../messaging.tokens';
import { OutboxNotifier } from '../outbox.notifier';
import { encodeEntry } from '../streams/stream-entry';
import { replayOutbox } from '../outbox-replay';
import { ReplicationWatch } from './replication-watch';
import { OutboxClaims, PgOutboxClaims } from './outbox-claims';

/** How long a cluster's relay waits for a replica to acknowledge a batch's entries. */
export const REPLICA_WAIT_MS = 1000;

export interface OutboxRow {
  id: string;
  message_id: string;
  destination: string;
  name: string;
  payload: string;
  correlation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

/**
 * Publishes committed outbox rows to their streams. Each pass claims a batch of unpublished rows
 * with FOR UPDATE SKIP LOCKED (so several relays share the work), XADDs them in one pipeline,
 * marks them published and commits. No cursor: a row committed late by a slow transaction is
 * simply still unpublished at the next pass, so nothing is skipped. A crash after XADD and
 * before COMMIT publishes the batch again; consumers dedupe on message_id.
 *
 * Wake-ups: LISTEN on the outbox channel (a hint, milliseconds after a commit) and a periodic
 * sweep (the truth, in case a notification was lost while reconnecting).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private redis: RedisClient;
  private listener?: Client;
  private sweep?: NodeJS.Timeout;
  private running = false;
  private draining?: Promise<void>;
  private again = false;
  private lastError?: string;
  private started = false;
  private stopLocal?: () => void;
  private readonly replication = new ReplicationWatch();
  private readonly claims: OutboxClaims;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @InjectDataSource() private readonly db: DataSource,
    private readonly redisFactory: RedisFactory,
    private readonly names: StreamNames,
    private readonly metrics: MessagingMetrics,
    private readonly notifier: OutboxNotifier,
  ) {
    this.claims = new PgOutboxClaims(db);
  }

  get enabled(): boolean {
    return this.options.roles.has('relay');
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.redis = this.redisFactory.create('relay');
    this.running = true;
    this.started = true;
    void this.listen();
    this.stopLocal = this.notifier.onCommitted(() => this.wake());
    this.sweep = setInterval(() => this.wake(), this.options.relay.sweepMs);
    this.wake();
  }

  /** Health: null when the relay works, else what is wrong. */
  problem(): string | null {
    if (!this.enabled) return null;
    if (!this.started || !this.running) return 'relay not running';
    return this.lastError ?? null;
  }

  /** Starts a drain, or asks the running one to go round again. */
  wake(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().then(() => undefined);
    void this.draining.finally(() => {
      this.draining = undefined;
      if (this.again && this.running) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Publishes until no unpublished row is left; returns the number published. */
  async drain(): Promise<number> {
    let total = 0;
    try {
      await this.replayLost();
      for (;;) {
        const n = await this.publishBatch();
        total += n;
        if (n < this.options.relay.batch || !this.running) break;
      }
      this.lastError = undefined;
    } catch (e) {
      this.lastError = `relay: ${e.message}`;
      this.logger.warn(`relay pass failed, will retry: ${e.message}`);
    }
    return total;
  }

  private async publishBatch(): Promise<number> {
    const claim = await this.claims.claim(this.options.relay.batch);
    const { rows } = claim;
    let spans: Span[] = [];
    let entryIds: (string | null)[] = [];
    try {
      if (rows.length === 0) {
        await claim.abandon();
        return 0;
      }
      hitFault('relay.after-read-before-xadd');
      spans = rows.map((row) =>
        startSendSpan({
          destination: row.destination,
          streamKey: this.names.stream(row.destination),
          name: row.name,
          messageId: row.message_id,
          traceparent: row.traceparent,
          tracestate: row.tracestate,
        }),
      );
      const results = await this.xadd(rows);
      entryIds = results.map(([, id]) => (typeof id === 'string' ? id : null));
      const failed = results.find(([err]) => err);
      // Rows whose XADD failed stay unpublished for the next pass; the others are marked, so a
      // cluster master dying mid-batch does not make the live masters' entries go out twice.
      const published = rows.filter((_, i) => !results[i][0]);
      if (published.length === 0) throw failed![0] as Error;
      hitFault('relay.after-xadd-before-mark');
      await claim.publish(published.map((r) => r.id));
      this.metrics.relayPublished(published.length);
      if (failed) throw failed[0] as Error;
      endSendSpans(spans, entryIds);
      rows.forEach((row, i) =>
        this.logger.debug({
          msg: `published ${row.name} to ${row.destination}`,
          name: row.name,
          message_id: row.message_id,
          stream_entry_id: entryIds[i],
          correlation_id: row.correlation_id,
          trace_id: row.traceparent?.split('-')[1],
        }),
      );
      return rows.length;
    } catch (e) {
      endSendSpans(spans, entryIds, e);
      await claim.abandon().catch(() => undefined); // nothing to do once published or failed
      throw e;
    }
  }

  /**
   * XADDs the rows, in one pipeline per Redis node (a cluster's pipeline may only touch one
   * node's slots); the replies come back in the rows' order. On a cluster each pipeline ends in
   * WAIT for one replica: rows are marked published only once a replica holds their entries too,
   * so a failover promotes a replica that has them. A replica that does not answer in
   * REPLICA_WAIT_MS delays the batch, it does not fail it: the entries are noted as at risk
   * (ReplicationWatch) and published again should their master fail over before a replica has them.
   */
  private async xadd(rows: OutboxRow[]): Promise<[Error | null, unknown][]> {
    const key = (row: OutboxRow) => this.names.stream(row.destination);
    const groups = byMaster(this.redis, rows, key);
    const replies = new Map<OutboxRow, [Error | null, unknown]>();
    await Promise.all(
      groups.map(async (group) => {
        const pipeline = this.redis.pipeline();
        for (const row of group) pipeline.xadd(key(row), '*', ...encodeEntry(row));
        if (this.names.cluster) pipeline.wait(1, REPLICA_WAIT_MS);
        const results = (await pipeline.exec()) ?? [];
        group.forEach((row, i) => replies.set(row, results[i] ?? [new Error('no reply'), null]));
        const [waitError, replicas] = results[group.length] ?? [];
        if (this.names.cluster && !waitError) {
          // a master not known (slot map refreshing) counts as moved: published again, to be safe
          this.replication.written(
            masterOf(this.redis, key(group[0])) ?? '?',
            group,
            Number(replicas),
          );
        }
      }),
    );
    return rows.map((row) => replies.get(row)!);
  }

  /**
   * Publishes again what a failed-over master took without a replica (see ReplicationWatch);
   * asks the replicas of the masters still at risk whether they caught up meanwhile, since a
   * master that gets no more batches would never be asked by a batch's WAIT.
   */
  private async replayLost(): Promise<void> {
    if (!(this.redis instanceof Cluster) || this.replication.masters().length === 0) return;
    const lost = this.replication.failedOver((d) => masterOf(this.redis, this.names.stream(d)));
    for (const { master, destinations, fromId } of lost) {
      const n = await replayOutbox((sql, p) => this.db.query(sql, p), { destinations, fromId });
      this.replication.replayed(master);
      this.logger.warn(
        `Redis master ${master} failed over before a replica had all of its entries: ${n} outbox rows of ${destinations.join(', ')} (from row ${fromId} on) published again`,
      );
    }
    for (const master of this.replication.masters()) {
      const node = this.redis
        .nodes('master')
        .find((n) => `${n.options.host}:${n.options.port}` === master);
      // Only on a live connection, and never waiting on a dying one: a command to a master that
      // just went away can sit in the client's queue, and this pass must go on to notice it.
      if (node?.status !== 'ready') continue;
      const replicas = await Promise.race([
        node.wait(1, 100).catch(() => 0),
        new Promise<number>((resolve) => setTimeout(() => resolve(0), 500).unref()),
      ]);
      if (replicas) this.replication.written(master, [], replicas);
    }
  }

  /** LISTEN on a dedicated connection; reconnects by itself, the sweep covers the gap. */
  private async listen(): Promise<void> {
    while (this.running) {
      const client = new Client({ connectionString: this.options.postgresUrl });
      try {
        const ended = new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
        this.listener = client; // before connect, so a shutdown meanwhile still ends it
        await client.connect();
        if (!this.running) break;
        client.on('notification', () => this.wake());
        await client.query(`LISTEN "${this.names.outboxChannel}"`);
        this.wake(); // rows committed while we were not listening
        await ended;
      } catch {
        // unreachable database: the sweep keeps trying; wait before the next LISTEN attempt
      } finally {
        this.listener = undefined;
        await client.end().catch(() => undefined);
      }
      if (this.running) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.running = false;
    if (this.sweep) clearInterval(this.sweep);
    this.stopLocal?.();
    await this.draining;
    await this.listener?.end().catch(() => undefined);
    this.redis.disconnect();
  }
}
