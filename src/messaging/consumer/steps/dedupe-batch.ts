import { escapeLiteral } from 'pg';
import { beginWith, canBeginWith, TxHost } from './begin-with';

/**
 * The batch path: one transaction, one multi-row dedupe insert for every delivery, then `each`
 * for those not handled before, in order. Any error rolls the whole batch back. The insert goes
 * in START TRANSACTION's round trip (beginWith).
 */
export function dedupeBatch<D extends { entry: { fields: Record<string, string> } }>(
  txHost: TxHost,
  handler: string,
  deliveries: D[],
  idOf: (d: D) => string,
  each: (d: D) => Promise<'ok' | 'duplicate'>,
): Promise<('ok' | 'duplicate')[]> {
  const ids = deliveries.map(idOf);
  const run = async (rows: { message_id: string }[]) => {
    const fresh = new Set(rows.map((r) => r.message_id));
    const outcomes: ('ok' | 'duplicate')[] = [];
    for (let i = 0; i < deliveries.length; i++) {
      // handled before, or twice in this batch
      outcomes.push(fresh.delete(ids[i]) ? await each(deliveries[i]) : 'duplicate');
    }
    return outcomes;
  };
  if (canBeginWith(txHost)) {
    const record = `INSERT INTO processed_messages (handler, message_id)
      SELECT ${escapeLiteral(handler)}, unnest(ARRAY[${ids.map(escapeLiteral).join(',')}]::uuid[])
      ON CONFLICT DO NOTHING RETURNING message_id`;
    return beginWith(
      txHost,
      () => record,
      (rows) => run(rows as { message_id: string }[]),
    );
  }
  return txHost.withTransaction(async () =>
    run(
      await txHost.tx.query(
        `INSERT INTO processed_messages (handler, message_id)
         SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id`,
        [handler, ids],
      ),
    ),
  );
}
