import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsServiceManager } from 'nestjs-cls';
import { PoolClient } from 'pg';
import { EntityManager, QueryRunner } from 'typeorm';

export type TxHost = TransactionHost<TransactionalAdapterTypeOrm>;

/**
 * The transaction host's own way to make a transaction the current one (what withTransaction
 * does inside). Not public: where a version lacks it, callers take withTransaction instead.
 */
interface TxInstanceSetter {
  setTxInstance?: (tx: EntityManager | undefined) => void;
}

/** Whether beginWith can run here: a host that has the setter, and no transaction open yet. */
export function canBeginWith(txHost: TxHost): boolean {
  return (
    typeof (txHost as unknown as TxInstanceSetter).setTxInstance === 'function' &&
    !txHost.isTransactionActive()
  );
}

/**
 * What txHost.withTransaction does (TypeORM's EntityManager.transaction: a query runner, START
 * TRANSACTION, the work with the runner's manager as `txHost.tx`, COMMIT or ROLLBACK, release),
 * but START TRANSACTION and the transaction's first statement travel in one round trip: one
 * simple-protocol query of both, so `first` carries its values as literals (pg's escapeLiteral).
 * `work` gets the rows `first` returned. TypeORM's commit and rollback, with their events
 * (OutboxNotifier's NOTIFY), are its own.
 */
export async function beginWith<T>(
  txHost: TxHost,
  first: string,
  work: (rows: Record<string, unknown>[]) => Promise<T>,
): Promise<T> {
  const runner = txHost.tx.connection.createQueryRunner();
  const setTx = (tx?: EntityManager) => (txHost as unknown as TxInstanceSetter).setTxInstance!(tx);
  try {
    const client = (await runner.connect()) as PoolClient;
    let rows: Record<string, unknown>[];
    try {
      const results = (await client.query(`START TRANSACTION; ${first}`)) as unknown as {
        rows: Record<string, unknown>[];
      }[];
      rows = results[1].rows;
    } catch (e) {
      // START TRANSACTION ran, the statement failed: the block stays aborted until ended.
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    markInTransaction(runner);
    return await ClsServiceManager.getClsService().run({ ifNested: 'inherit' }, async () => {
      setTx(runner.manager);
      try {
        const result = await work(rows);
        await runner.commitTransaction();
        return result;
      } catch (e) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw e;
      } finally {
        setTx(undefined);
      }
    });
  } finally {
    await runner.release();
  }
}

/** Tells the runner that the transaction it did not start itself is open (depth 1). */
function markInTransaction(runner: QueryRunner): void {
  Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
}
