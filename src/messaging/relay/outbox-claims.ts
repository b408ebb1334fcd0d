import { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { simpleQuery } from '../simple-query';
import type { OutboxRow } from './outbox.relay';

/**
 * Unpublished outbox rows claimed by one relay pass: locked (FOR UPDATE SKIP LOCKED, so several
 * relays share the work) until the pass ends its transaction.
 */
export interface OutboxClaim {
  readonly rows: OutboxRow[];
  /** Marks these rows published and commits. */
  publish(ids: string[]): Promise<void>;
  /** Ends the transaction with nothing marked (rolled back): the rows stay for the next pass. */
  abandon(): Promise<void>;
}

export interface OutboxClaims {
  /** Claims up to `limit` unpublished rows in id order, in a transaction of its own. */
  claim(limit: number): Promise<OutboxClaim>;
}

const claimSql = (limit: number) =>
  `SELECT id, message_id, destination, name, payload, correlation_id, traceparent, tracestate
     FROM outbox WHERE published_at IS NULL
    ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;

/**
 * The relay's statements, two round trips per pass: START TRANSACTION with the claim, then the
 * mark with COMMIT (four before: the relay's passes were a third of all statements of a
 * booking's journey). Both are simple-protocol queries of two statements, so their values are
 * inlined: the batch size and the claimed ids are integers, checked before they are written.
 */
export class PgOutboxClaims implements OutboxClaims {
  constructor(private readonly db: DataSource) {}

  async claim(limit: number): Promise<OutboxClaim> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`bad relay batch ${limit}`);
    const runner = this.db.createQueryRunner();
    let client: PoolClient;
    let rows: OutboxRow[];
    try {
      client = (await runner.connect()) as PoolClient;
      rows = await simpleQuery<OutboxRow>(client, `START TRANSACTION; ${claimSql(limit)}`, 1);
    } catch (e) {
      await runner.release().catch(() => undefined);
      throw e;
    }
    let ended = false;
    const end = async (sql: string) => {
      if (ended) return;
      ended = true;
      try {
        await simpleQuery(client, sql, 0);
      } finally {
        await runner.release();
      }
    };
    return {
      rows,
      publish: (ids) => {
        const list = ids.map((id) => {
          if (!/^\d+$/.test(id)) throw new Error(`bad outbox id ${id}`);
          return id;
        });
        return end(
          `UPDATE outbox SET published_at = now() WHERE id = ANY('{${list.join(',')}}'::bigint[]); COMMIT`,
        );
      },
      abandon: () => end('ROLLBACK'),
    };
  }
}
