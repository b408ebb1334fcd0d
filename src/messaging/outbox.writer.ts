import { Injectable } from '@nestjs/common';
import { Propagation, TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Message, MessageRegistry } from './message';
import { currentCorrelationId, currentTraceHeaders } from '../platform/context/request-context';
import { OutboxNotifier } from './outbox.notifier';

/** CLS key: what a `deferWrites` handler writes (DeferredWrites), collected until it returns. */
export const DEFERRED_WRITES = 'messaging.deferredWrites';

/** A business change as data-modifying CTEs (`$1…` for `params`); the last one is its gate. */
export interface Change {
  ctes: [name: string, sql: string][];
  params: unknown[];
}

/**
 * What a `deferWrites` handler leaves to be written after it returns, in the statement that
 * records its message as handled: the messages it published, and at most one change of its own.
 */
export interface DeferredWrites {
  messages: Message[];
  change?: Change;
}

/**
 * Writes messages to the outbox (and `_v1` events to the events store) in the ambient
 * transaction, so the two tables and the business change commit or roll back together; with no
 * transaction, as one statement, which is atomic on its own. Nothing here talks to Redis: only
 * the relay does.
 */
@Injectable()
export class OutboxWriter {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly notifier: OutboxNotifier,
    private readonly cls: ClsService,
  ) {}

  async append(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const deferred = this.deferredWrites();
    if (deferred) {
      deferred.messages.push(...messages); // written after the handler, with its dedupe record
      return;
    }
    if (messages.length > MAX_MESSAGES_PER_STATEMENT) {
      // Several statements, which must commit together.
      await this.txHost.withTransaction(Propagation.Required, async () => {
        for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_STATEMENT) {
          await this.append(messages.slice(i, i + MAX_MESSAGES_PER_STATEMENT));
        }
      });
      return;
    }
    // One statement (outbox, then the events store as a CTE's sibling): atomic on its own, so
    // it joins the ambient transaction if there is one and needs none otherwise.
    const rows = messageRows(messages, 0);
    const outbox = `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES ${rows.outbox.join(', ')}`;
    const sql =
      rows.stored.length === 0
        ? outbox
        : `WITH outbox_rows AS (${outbox})
           INSERT INTO events (${EVENTS_COLUMNS}) VALUES ${rows.stored.join(', ')}
           ON CONFLICT (event_id) DO NOTHING`;
    const tx = this.txHost.tx;
    await tx.query(sql, [...rows.outboxParams, ...rows.storedParams]);
    this.notifier.written(tx.queryRunner); // in a transaction: relays are told after its commit
  }

  /**
   * A business change and its messages in one statement: the change's CTEs (data-modifying,
   * `$1…` for `params`), then the outbox and events-store inserts, which take place only if
   * the last CTE returned a row. Returns that CTE's rows. A statement commits or fails as a
   * whole, so this needs no transaction and costs one round trip instead of four: for hot paths
   * whose change fits in one statement (a booking). Inside an ambient transaction it joins it.
   */
  async changeWith<R>(change: Change, messages: Message[]): Promise<R[]> {
    if (this.deferredWrites()) {
      // a deferWrites handler's messages must commit with its dedupe record, later
      throw new Error('changeWith() is not for deferWrites handlers: use a transaction');
    }
    if (messages.length > MAX_MESSAGES_PER_STATEMENT) {
      throw new Error(
        `changeWith() writes at most ${MAX_MESSAGES_PER_STATEMENT} messages: use a transaction and append()`,
      );
    }
    const gate = change.ctes[change.ctes.length - 1][0];
    const rows = messageRows(messages, change.params.length);
    const ctes = change.ctes.map(([name, sql]) => `${name} AS (${sql})`);
    const gated = `WHERE EXISTS (SELECT 1 FROM ${gate})`;
    if (rows.outbox.length > 0) {
      ctes.push(`outbox_rows AS (INSERT INTO outbox (${OUTBOX_COLUMNS})
        SELECT * FROM (VALUES ${rows.outbox.join(', ')}) v ${gated})`);
    }
    if (rows.stored.length > 0) {
      ctes.push(`stored_rows AS (INSERT INTO events (${EVENTS_COLUMNS})
        SELECT * FROM (VALUES ${rows.stored.join(', ')}) v ${gated}
        ON CONFLICT (event_id) DO NOTHING)`);
    }
    const tx = this.txHost.tx;
    const result: R[] = await tx.query(`WITH ${ctes.join(',\n')}\nSELECT * FROM ${gate}`, [
      ...change.params,
      ...rows.outboxParams,
      ...rows.storedParams,
    ]);
    if (result.length > 0 && rows.outbox.length > 0) this.notifier.written(tx.queryRunner);
    return result;
  }

  /**
   * changeWith for a deferWrites handler, which holds no connection while it calls out: the
   * change and its messages are written after the handler returns, in the one statement that
   * records its message as handled. Every message the handler published is then written only
   * if the change's last CTE returned a row (and the record is new): a fact recorded once emits
   * its event once, whichever message brought it (a ticket refunded on two requests).
   */
  deferChange(change: Change, messages: Message[]): void {
    const deferred = this.deferredWrites();
    if (!deferred) throw new Error('deferChange() is for deferWrites handlers: use changeWith()');
    if (deferred.change) throw new Error('deferChange() takes one change per handler run');
    deferred.change = change;
    deferred.messages.push(...messages);
  }

  /** Inside a deferWrites handler (outside any transaction): what it leaves to be written. */
  private deferredWrites(): DeferredWrites | undefined {
    if (!this.cls.isActive() || this.txHost.isTransactionActive()) return undefined;
    return this.cls.get<DeferredWrites | undefined>(DEFERRED_WRITES);
  }
}

/** 11 parameters a stored message: well under PostgreSQL's 65,535 per statement. */
export const MAX_MESSAGES_PER_STATEMENT = 2000;

const OUTBOX_COLUMNS =
  'message_id, destination, name, payload, correlation_id, traceparent, tracestate';
const OUTBOX_TYPES = ['uuid', 'text', 'text', 'text', 'text', 'text', 'text'];
const EVENTS_COLUMNS = 'event_id, published_at, event_name, event_payload';
const EVENTS_TYPES = ['uuid', 'timestamptz', 'text', 'jsonb'];

/**
 * The messages as VALUES tuples for the outbox and (`_v1` events) the events store: outbox
 * parameters numbered from `$from + 1`, events-store ones right after them. Every parameter is
 * cast: a VALUES list under a SELECT (changeWith) has no target columns to take its types from.
 */
function messageRows(messages: Message[], from: number) {
  const correlationId = currentCorrelationId();
  const trace = currentTraceHeaders();
  const outboxParams: unknown[] = [];
  const storedParams: unknown[] = [];
  const tuple = (first: number, types: string[]) =>
    `(${types.map((t, i) => `$${first + i + 1}::${t}`).join(', ')})`;
  const outbox: string[] = [];
  const stored: string[] = [];
  for (const message of messages) {
    const { name, destination, stored: isStored } = MessageRegistry.of(message);
    const payload = JSON.stringify(message);
    outbox.push(tuple(from + outboxParams.length, OUTBOX_TYPES));
    outboxParams.push(message.header.id, destination, name, payload, correlationId);
    outboxParams.push(trace.traceparent ?? null, trace.tracestate ?? null);
    if (isStored) storedParams.push(message.header.id, message.header.published_at, name, payload);
  }
  const first = from + outboxParams.length;
  for (let i = 0; i < storedParams.length / EVENTS_TYPES.length; i++) {
    stored.push(tuple(first + i * EVENTS_TYPES.length, EVENTS_TYPES));
  }
  return { outbox, outboxParams, stored, storedParams };
}
