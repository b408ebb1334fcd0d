import { PoolClient } from 'pg';

/**
 * Runs a simple-protocol query of one or more statements (values inlined, so one round trip
 * can carry `START TRANSACTION` with a statement, or a statement with `COMMIT`) and returns the
 * rows of statement `index`. When one fails, the transaction it began or was in is rolled back
 * before the error is passed on, so the connection goes back to the pool clean.
 */
export async function simpleQuery<T = Record<string, unknown>>(
  client: PoolClient,
  sql: string,
  index: number,
): Promise<T[]> {
  const sent = await sendSimple(client, sql);
  if ('error' in sent) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw sent.error;
  }
  return (sent.results[index]?.rows ?? []) as T[];
}

/** What pg rejects a query with: an Error, with PostgreSQL's SQLSTATE when the server answered. */
export type PgError = Error & { code?: string };

/** One statement's answer in a simple-protocol query. */
export interface SimpleResult {
  command: string;
  rows: Record<string, unknown>[];
}

/**
 * A simple-protocol query of one or more statements, settled: every statement's answer in order,
 * or the error it failed with (PostgreSQL runs none after a failed one). The caller decides what
 * the connection's transaction needs then; nothing is rolled back here.
 */
export function sendSimple(
  client: PoolClient,
  sql: string,
): Promise<{ results: SimpleResult[] } | { error: PgError }> {
  return client.query(sql).then(
    (result) => {
      const answer = result as unknown as SimpleResult | SimpleResult[];
      return { results: Array.isArray(answer) ? answer : [answer] };
    },
    (error: PgError) => ({ error }),
  );
}
