import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
} from 'typeorm';
import { StreamNames } from './messaging.tokens';

/** Marks a QueryRunner whose transaction wrote outbox rows. */
const WROTE_OUTBOX = 'messaging.wroteOutbox';

/**
 * Tells relays that outbox rows were committed: a relay in this process directly, relays in
 * other processes through NOTIFY. The NOTIFY is sent after the commit, on its own, and at most
 * one at a time per process: a NOTIFY inside the business transaction takes a cluster-wide lock
 * until that transaction's commit is flushed, which serialised every booking (measured: 2,792
 * → 945 commits/s at 32 clients). It is only a hint; the relays' periodic sweep is the truth.
 *
 * A process with a relay of its own sends no NOTIFY: its relay is woken at once and publishes
 * the rows (relays share the outbox with SKIP LOCKED, so waking another one only makes it find
 * them taken). That was a round trip after every such commit, a dozen per booking's journey.
 */
@Injectable()
export class OutboxNotifier implements OnModuleInit, EntitySubscriberInterface {
  private readonly local = new Set<() => void>();
  private sending = false;
  private pending = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly names: StreamNames,
  ) {}

  onModuleInit(): void {
    this.db.subscribers.push(this);
  }

  /** Called by the outbox writer inside the transaction that wrote rows. */
  written(queryRunner: QueryRunner | undefined): void {
    if (queryRunner?.isTransactionActive) queryRunner.data[WROTE_OUTBOX] = true;
    else this.notify();
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const data = event.queryRunner.data as Record<string, unknown>;
    if (data?.[WROTE_OUTBOX] && !event.queryRunner.isTransactionActive) {
      data[WROTE_OUTBOX] = false;
      this.notify();
    }
  }

  /** A relay running in this process wakes without a round trip through PostgreSQL. */
  onCommitted(listener: () => void): () => void {
    this.local.add(listener);
    return () => this.local.delete(listener);
  }

  private notify(): void {
    this.local.forEach((wake) => wake());
    if (this.local.size > 0) return;
    if (this.sending) {
      this.pending = true; // one more after the one in flight covers every commit meanwhile
      return;
    }
    this.sending = true;
    this.db
      .query(`SELECT pg_notify($1, '')`, [this.names.outboxChannel])
      .catch(() => undefined) // the sweep covers a lost hint
      .finally(() => {
        this.sending = false;
        if (this.pending) {
          this.pending = false;
          this.notify();
        }
      });
  }
}
