import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { MalformedOpsEventError, OpsEvent, toOpsEvent } from '../ops-event';
import {
  createTablesSql,
  dropTablesSql,
  NEXT_TABLES,
  PROJECTION_LOCK,
  Sql,
  swapTablesSql,
} from '../ops-read-model.store';
import { RebuildApplier } from './rebuild.applier';

/** Held for a rebuild's whole run: two rebuilds at once would fill the same `_next` tables. */
const REBUILD_LOCK = 7_264_201_801;

export interface RebuildOptions {
  postgresUrl: string;
  /** events read and written per transaction */
  batchSize?: number;
  onStart?: (totalEvents: number) => void;
  onProgress?: (eventsRead: number) => void;
  /** Runs after the events store was read, before the last live updates and the swap (tests). */
  beforeSwap?: () => Promise<void>;
}

export interface RebuildReport {
  /** rows of the events store read */
  eventsRead: number;
  /** live updates made while the rebuild ran, replayed into the new tables before the swap */
  liveUpdatesReplayed: number;
  /** events of names the read model does not follow, by name */
  skipped: Record<string, number>;
  /** followed events whose payload could not be projected (missing field, bad time) */
  malformed: number;
  /** events whose booking or ticket never appeared in the store */
  unresolved: number;
  /** document writes to the new tables */
  documentWrites: number;
  /** documents in the read model after the swap */
  documents: number;
  durationMs: number;
}

export class RebuildAlreadyRunningError extends Error {}

/**
 * Rebuilds the ops read model from the events store while the live projection keeps running:
 *
 * 1. marks the rebuild as running; from then on every live update also records its event in
 *    `ops_rebuild_backlog`;
 * 2. projects every event of the store, in (published_at, event_id) order, into `_next` tables:
 *    each event committed before the mark is read, each committed later is in the backlog or
 *    not projected live yet (it will be, after the swap, into the new tables);
 * 3. replays the backlog into the new tables, then, holding the projection lock exclusively so
 *    live writes pause, replays what is left of it and renames the new tables into place, in
 *    one transaction: readers see the old model until the commit and the complete new one after.
 *
 * Replaying an event the scan already applied changes nothing (the rule is idempotent and does
 * not depend on order), so the overlap between scan and backlog is harmless.
 */
export async function rebuildOpsReadModel(options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 2000;
  const client = new Client({ connectionString: options.postgresUrl });
  await client.connect();
  const sql: Sql = async (text, params) => (await client.query(text, params)).rows;
  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await sql('BEGIN');
    try {
      const result = await work();
      await sql('COMMIT');
      return result;
    } catch (e) {
      await sql('ROLLBACK').catch(() => undefined);
      throw e;
    }
  };
  const report: RebuildReport = {
    eventsRead: 0,
    liveUpdatesReplayed: 0,
    skipped: {},
    malformed: 0,
    unresolved: 0,
    documentWrites: 0,
    documents: 0,
    durationMs: 0,
  };
  const decode = (rows: { event_name: string; event_payload: unknown }[]): OpsEvent[] =>
    rows.flatMap((row) => {
      try {
        const event = toOpsEvent(row.event_name, row.event_payload);
        if (event) return [event];
        report.skipped[row.event_name] = (report.skipped[row.event_name] ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof MalformedOpsEventError)) throw e;
        report.malformed++;
      }
      return [];
    });
  const applier = new RebuildApplier(NEXT_TABLES);
  /** Takes live updates out of the backlog and applies them, atomically; returns how many. */
  const replayBacklog = async (): Promise<number> => {
    const rows: { seq: string; event_name: string; event_payload: unknown }[] = await sql(
      `DELETE FROM ops_rebuild_backlog WHERE seq IN
         (SELECT seq FROM ops_rebuild_backlog ORDER BY seq LIMIT $1)
       RETURNING seq, event_name, event_payload`,
      [batchSize],
    );
    rows.sort((a, b) => Number(a.seq) - Number(b.seq));
    // Counted in `skipped`/`malformed` too: the backlog only holds followed, projected events.
    await applier.applyBatch(sql, decode(rows));
    report.liveUpdatesReplayed += rows.length;
    return rows.length;
  };

  let owner = false;
  try {
    const [{ locked }] = await sql('SELECT pg_try_advisory_lock($1) AS locked', [REBUILD_LOCK]);
    if (!locked) throw new RebuildAlreadyRunningError('another read-model rebuild is running');
    owner = true;
    await inTransaction(async () => {
      // Leftovers of a rebuild that died half-way are useless: this one reads the whole store.
      await sql('DELETE FROM ops_rebuild_state');
      await sql('DELETE FROM ops_rebuild_backlog');
      await sql('INSERT INTO ops_rebuild_state (rebuild_id) VALUES ($1)', [randomUUID()]);
      await sql(dropTablesSql(NEXT_TABLES));
      for (const statement of createTablesSql(NEXT_TABLES)) await sql(statement);
    });
    const [{ total }] = await sql('SELECT count(*)::int AS total FROM events');
    options.onStart?.(total);

    let after: [string, string] | undefined;
    for (;;) {
      // Keyset pages on the (published_at, event_id) index; the key is kept as text so
      // microseconds survive the round trip.
      const rows: { at: string; event_id: string; event_name: string; event_payload: unknown }[] =
        await sql(
          `SELECT published_at::text AS at, event_id, event_name, event_payload FROM events
            ${after ? 'WHERE (published_at, event_id) > ($2::timestamptz, $3::uuid)' : ''}
            ORDER BY published_at, event_id LIMIT $1`,
          after ? [batchSize, ...after] : [batchSize],
        );
      if (rows.length > 0) {
        await inTransaction(() => applier.applyBatch(sql, decode(rows)));
        report.eventsRead += rows.length;
        options.onProgress?.(report.eventsRead);
        const last = rows[rows.length - 1];
        after = [last.at, last.event_id];
      }
      if (rows.length < batchSize) break;
    }

    await options.beforeSwap?.();
    // Catch up with live traffic without blocking it, until little is left to do under the lock.
    while ((await inTransaction(replayBacklog)) === batchSize);
    report.documents = await inTransaction(async () => {
      await sql('SELECT pg_advisory_xact_lock($1)', [PROJECTION_LOCK]);
      while ((await replayBacklog()) === batchSize);
      await sql('DELETE FROM ops_rebuild_state');
      for (const statement of swapTablesSql()) await sql(statement);
      const [{ documents }] = await sql(
        'SELECT count(*)::int AS documents FROM read_model_ops_bookings',
      );
      return documents as number;
    });
    report.unresolved = applier.unresolved;
    report.documentWrites = applier.documentWrites;
    report.durationMs = Date.now() - started;
    return report;
  } catch (e) {
    if (owner) {
      // Live updates stop feeding a backlog nobody will read; the live model was never touched.
      await sql('DELETE FROM ops_rebuild_state').catch(() => undefined);
      await sql('DELETE FROM ops_rebuild_backlog').catch(() => undefined);
      await sql(dropTablesSql(NEXT_TABLES)).catch(() => undefined);
    }
    throw e;
  } finally {
    await client.end();
  }
}
