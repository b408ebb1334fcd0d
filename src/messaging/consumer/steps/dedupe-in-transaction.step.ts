import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { messageIdOf, messageOf, Step } from './step';

export type TxHost = TransactionHost<TransactionalAdapterTypeOrm>;

/**
 * Records that a handler handled a message; returns a row only the first time. Its two
 * parameters are numbered after the first `before` ones.
 */
export const recordHandled = (before = 0) =>
  `INSERT INTO processed_messages (handler, message_id) VALUES ($${before + 1}, $${before + 2})
  ON CONFLICT DO NOTHING RETURNING 1`;
export const RECORD_HANDLED = recordHandled();

/**
 * The default: the dedupe record and the handler's writes in one transaction, so a redelivery
 * of a handled message finds the record and has no second effect.
 */
export function inTransactionDedupeStep(txHost: TxHost, handler: string): Step {
  return (d, next) =>
    txHost.withTransaction(async () => {
      const id = messageIdOf(d.entry, messageOf(d));
      const fresh: unknown[] = await txHost.tx.query(RECORD_HANDLED, [handler, id]);
      if (fresh.length === 0) return 'duplicate'; // handled before: a redelivery, nothing to do
      return next();
    });
}
