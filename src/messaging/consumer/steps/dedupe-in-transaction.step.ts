import { escapeLiteral } from 'pg';
import { abandonHandedOver, beginWith, canBeginWith, CommitSharing, TxHost } from './begin-with';
import { Delivery, messageIdOf, messageOf, Outcome, Step } from './step';

export type { TxHost };

/**
 * Records that a handler handled a message; returns a row only the first time. Its two
 * parameters are numbered after the first `before` ones.
 */
export const recordHandled = (before = 0) =>
  `INSERT INTO processed_messages (handler, message_id) VALUES ($${before + 1}, $${before + 2})
  ON CONFLICT DO NOTHING RETURNING 1`;
export const RECORD_HANDLED = recordHandled();

/** RECORD_HANDLED with its values as literals, for a simple-protocol query (beginWith). */
export function recordHandledLiterally(handler: string, d: Delivery): string {
  const id = messageIdOf(d.entry, messageOf(d));
  return `INSERT INTO processed_messages (handler, message_id)
        VALUES (${escapeLiteral(handler)}, ${escapeLiteral(id)}) ON CONFLICT DO NOTHING RETURNING 1`;
}

/**
 * The default: the dedupe record and the handler's writes in one transaction, so a redelivery
 * of a handled message finds the record and has no second effect. The record goes in START
 * TRANSACTION's round trip (beginWith): a handler that writes nothing costs two round trips
 * (that and COMMIT) instead of three, and holds its connection slot that much shorter; while
 * messages wait for slots, one (the COMMIT carries the next message's START and record). With
 * `sharing`, a waiting message may instead join the transaction in a savepoint, and one COMMIT
 * covers several messages (CommitSharing).
 */
export function inTransactionDedupeStep(
  txHost: TxHost,
  handler: string,
  sharing?: CommitSharing,
): Step {
  return (d, next) => {
    const id = messageIdOf(d.entry, messageOf(d));
    const recorded = (fresh: boolean): Promise<Outcome> =>
      fresh ? next() : Promise.resolve('duplicate'); // handled before: a redelivery, nothing to do
    if (canBeginWith(txHost)) {
      const record = () => recordHandledLiterally(handler, d); // sent already if handed over
      return beginWith(txHost, record, async (rows) => recorded(rows.length > 0), {
        slot: d.slot,
        sharing,
        waitOutside: d.offTask.during && ((p) => d.offTask.during!(p)),
      });
    }
    // A transaction begun for this attempt with its slot cannot be joined here: rolled back
    // first, or the record below would wait on the same key in it.
    return abandonHandedOver(d.slot?.takeGift()).then(() =>
      txHost.withTransaction(async () => {
        const fresh: unknown[] = await txHost.tx.query(RECORD_HANDLED, [handler, id]);
        return recorded(fresh.length > 0);
      }),
    );
  };
}
