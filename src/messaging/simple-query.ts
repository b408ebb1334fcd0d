import { PoolClient, QueryResult } from 'pg';

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
  try {
    const result = (await client.query(sql)) as unknown as QueryResult | QueryResult[];
    const results = Array.isArray(result) ? result : [result];
    return (results[index]?.rows ?? []) as T[];
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
