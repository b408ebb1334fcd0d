import { TxHost } from './dedupe-in-transaction.step';

/**
 * The batch path: one transaction, one multi-row dedupe insert for every delivery, then `each`
 * for those not handled before, in order. Any error rolls the whole batch back.
 */
export function dedupeBatch<D extends { entry: { fields: Record<string, string> } }>(
  txHost: TxHost,
  handler: string,
  deliveries: D[],
  idOf: (d: D) => string,
  each: (d: D) => Promise<'ok' | 'duplicate'>,
): Promise<('ok' | 'duplicate')[]> {
  return txHost.withTransaction(async () => {
    const ids = deliveries.map(idOf);
    const rows: { message_id: string }[] = await txHost.tx.query(
      `INSERT INTO processed_messages (handler, message_id)
       SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id`,
      [handler, ids],
    );
    const fresh = new Set(rows.map((r) => r.message_id));
    const outcomes: ('ok' | 'duplicate')[] = [];
    for (let i = 0; i < deliveries.length; i++) {
      // handled before, or twice in this batch
      outcomes.push(fresh.delete(ids[i]) ? await each(deliveries[i]) : 'duplicate');
    }
    return outcomes;
  });
}
