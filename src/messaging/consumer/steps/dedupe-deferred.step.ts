import { ClsService } from 'nestjs-cls';
import { hitFault } from '../../faults';
import { Change, DEFERRED_WRITES, DeferredWrites, OutboxWriter } from '../../outbox.writer';
import { RECORD_HANDLED, recordHandled, TxHost } from './dedupe-in-transaction.step';
import { messageIdOf, messageOf, Step } from './step';

/**
 * The statement a deferWrites handler's writes end with: its dedupe record, after the change it
 * deferred if any. The last CTE gates the messages: the record must be new and, with a change,
 * the change's own gate must have returned a row.
 */
export function recordWith(change: Change | undefined, handler: string, messageId: string): Change {
  if (!change) return { ctes: [['fresh', RECORD_HANDLED]], params: [handler, messageId] };
  const gate = change.ctes[change.ctes.length - 1][0];
  return {
    ctes: [
      ...change.ctes,
      ['fresh_record', recordHandled(change.params.length)],
      ['fresh', `SELECT 1 FROM fresh_record WHERE EXISTS (SELECT 1 FROM ${gate})`],
    ],
    params: [...change.params, handler, messageId],
  };
}

/**
 * HandlerOptions.deferWrites: the external calls first, outside any transaction; then the
 * dedupe record and what the handler published, in one statement.
 */
export function deferredWritesDedupeStep(
  deps: { txHost: TxHost; cls: ClsService; writer: OutboxWriter },
  handler: string,
): Step {
  const { txHost, cls, writer } = deps;
  return async (d, next) => {
    const id = messageIdOf(d.entry, messageOf(d));
    const seen: unknown[] = await txHost.tx.query(
      'SELECT 1 FROM processed_messages WHERE handler = $1 AND message_id = $2',
      [handler, id],
    );
    if (seen.length > 0) return 'duplicate';
    const deferred: DeferredWrites = { messages: [] };
    cls.set(DEFERRED_WRITES, deferred);
    try {
      await next();
    } finally {
      cls.set(DEFERRED_WRITES, undefined);
    }
    hitFault('consumer.after-handler-before-write', handler);
    // The messages are written only if the record is new (another consumer may have finished
    // the same entry meanwhile) and the handler's deferred change, if any, took effect.
    const fresh = await writer.changeWith(
      recordWith(deferred.change, handler, id),
      deferred.messages,
    );
    return fresh.length === 0 ? 'duplicate' : 'ok';
  };
}
