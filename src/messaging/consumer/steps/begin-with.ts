import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsServiceManager } from 'nestjs-cls';
import { PoolClient } from 'pg';
import { EntityManager, QueryRunner } from 'typeorm';
import type { Slot } from '../semaphore';
import { simpleQuery } from '../../simple-query';

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

/** A transaction the holder of a connection slot began for the next holder (see commitOrHandOn). */
export interface HandedOver {
  runner: QueryRunner;
  client: PoolClient;
  /** What the next holder's first statement returned. */
  rows: Record<string, unknown>[];
}

/**
 * What txHost.withTransaction does (TypeORM's EntityManager.transaction: a query runner, START
 * TRANSACTION, the work with the runner's manager as `txHost.tx`, COMMIT or ROLLBACK, release),
 * but START TRANSACTION and the transaction's first statement travel in one round trip: one
 * simple-protocol query of both, so `first` carries its values as literals (pg's escapeLiteral).
 * `work` gets the rows `first` returned. TypeORM's rollback is its own; the commit is sent here
 * (commitChecked, commitOrHandOn), with TypeORM's commit events around it (OutboxNotifier's
 * wake-up), because TypeORM does not read PostgreSQL's answer to it.
 *
 * With the connection `slot` it runs in: a transaction handed over with the slot is taken
 * instead of beginning one (its `first` went with the last holder's COMMIT), and when another
 * message waits for a slot the commit hands this one on the same way (see commitOrHandOn).
 */
export async function beginWith<T>(
  txHost: TxHost,
  first: string,
  work: (rows: Record<string, unknown>[]) => Promise<T>,
  slot?: Slot<HandedOver>,
): Promise<T> {
  const setTx = (tx?: EntityManager) => (txHost as unknown as TxInstanceSetter).setTxInstance!(tx);
  const handed = slot?.takeGift();
  const runner = handed?.runner ?? txHost.tx.connection.createQueryRunner();
  let released = false;
  const release = async (broken?: unknown) => {
    if (released) return;
    released = true;
    await releaseRunner(runner, broken);
  };
  let handedOn = false;
  try {
    const client = handed?.client ?? ((await runner.connect()) as PoolClient);
    const rows = handed?.rows ?? (await startWith(runner, client, first));
    return await ClsServiceManager.getClsService().run({ ifNested: 'inherit' }, async () => {
      setTx(runner.manager);
      try {
        const result = await work(rows);
        handedOn = await commitOrHandOn(runner, client, release, slot);
        return result;
      } catch (e) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw e;
      } finally {
        setTx(undefined);
      }
    });
  } finally {
    if (!handedOn) await release();
  }
}

/** START TRANSACTION and `first` in one query; the rows of `first`. */
async function startWith(
  runner: QueryRunner,
  client: PoolClient,
  first: string,
): Promise<Record<string, unknown>[]> {
  const rows = await simpleQuery(client, `START TRANSACTION; ${first}`, 1);
  markInTransaction(runner);
  return rows;
}

/** SQLSTATE 25P02: a statement in an aborted transaction block. */
const IN_FAILED_TRANSACTION = '25P02';

/**
 * Commits; when a message waits for a connection slot with the statement its transaction
 * begins with, sends COMMIT, START TRANSACTION and that statement in one query and hands the
 * runner, open in the new transaction, to it with the slot: one round trip per message instead
 * of two while every slot is busy. Returns whether the runner was handed on (not to release).
 *
 * When that query fails, the session tells which part did: in the next one's aborted
 * transaction the COMMIT went through (this message is handled; only the waiter's statement
 * failed), else it did not (the error is this message's, and it is retried). Either way what is
 * open is rolled back and the connection released before the waiter gets the slot alone and
 * begins by itself: never more connections than slots. A COMMIT that PostgreSQL answers with
 * ROLLBACK (a statement of the transaction had failed and the handler swallowed the error) fails
 * this message the same way, instead of acknowledging it with nothing written.
 *
 * TypeORM's AfterTransactionCommit subscribers run when the connection is already in the next
 * message's transaction: one that wrote through the event's runner would write into it
 * (OutboxNotifier, the only one, writes nothing).
 */
async function commitOrHandOn(
  runner: QueryRunner,
  client: PoolClient,
  release: (broken?: unknown) => Promise<void>,
  slot?: Slot<HandedOver>,
): Promise<boolean> {
  const next = slot?.passOn();
  if (!next) {
    await commitChecked(runner, client);
    return false;
  }
  let handed: HandedOver | undefined;
  let ended = false; // rolled back and released: the connection is no longer this one's to touch
  const end = async () => {
    ended = true;
    await rollbackAndRelease(client, runner, release);
  };
  try {
    await runner.broadcaster.broadcast('BeforeTransactionCommit');
    type Result = { command: string; rows: Record<string, unknown>[] };
    const sent = await client.query(`COMMIT; START TRANSACTION; ${next.wish}`).then(
      (results) => ({ results: results as unknown as Result[] }),
      (error: unknown) => ({ error }),
    );
    if ('error' in sent) {
      const committed = await client.query('SELECT 1').then(
        () => false,
        (probe: { code?: string }) => probe?.code === IN_FAILED_TRANSACTION,
      );
      await end();
      if (!committed) throw sent.error;
      await runner.broadcaster.broadcast('AfterTransactionCommit');
      return false;
    }
    const [commit, , first] = sent.results;
    if (commit.command !== 'COMMIT') {
      throw new Error('COMMIT rolled the transaction back: a statement in it had failed');
    }
    markEnded(runner);
    await runner.broadcaster.broadcast('AfterTransactionCommit');
    markInTransaction(runner);
    handed = { runner, client, rows: first.rows };
    return true;
  } catch (e) {
    if (!ended) await end();
    throw e;
  } finally {
    next.give(handed);
  }
}

/**
 * TypeORM's commitTransaction (its events around a COMMIT), but a COMMIT that PostgreSQL answers
 * with ROLLBACK fails: a statement of the transaction failed and the handler swallowed the error,
 * so nothing it did (nor its dedupe record) was written, and the message must not be acknowledged.
 * TypeORM does not look at the answer.
 */
async function commitChecked(runner: QueryRunner, client: PoolClient): Promise<void> {
  await runner.broadcaster.broadcast('BeforeTransactionCommit');
  const { command } = (await client.query('COMMIT')) as unknown as { command: string };
  markEnded(runner);
  if (command !== 'COMMIT') {
    throw new Error('COMMIT rolled the transaction back: a statement in it had failed');
  }
  await runner.broadcaster.broadcast('AfterTransactionCommit');
}

/**
 * Ends whatever transaction the connection is in and releases it; a connection whose ROLLBACK
 * failed is released as broken, so the pool closes it instead of lending it out mid-transaction.
 */
async function rollbackAndRelease(
  client: PoolClient,
  runner: QueryRunner,
  release: (broken?: unknown) => Promise<void>,
): Promise<void> {
  const failed = await client.query('ROLLBACK').then(
    () => undefined,
    (e: unknown) => e ?? new Error('ROLLBACK failed'),
  );
  markEnded(runner);
  await release(failed);
}

/**
 * Gives the connection back; with an error (its ROLLBACK failed), through TypeORM's release with
 * an error, so pg's pool destroys it instead of lending it out mid-transaction.
 */
function releaseRunner(runner: QueryRunner, broken?: unknown): Promise<void> {
  const withError = runner as QueryRunner & {
    releasePostgresConnection?: (error: unknown) => Promise<void>;
  };
  return broken !== undefined && typeof withError.releasePostgresConnection === 'function'
    ? withError.releasePostgresConnection(broken)
    : runner.release();
}

/** Tells the runner that the transaction it did not start itself is open (depth 1). */
function markInTransaction(runner: QueryRunner): void {
  Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
}

/** Tells the runner its transaction ended outside its own commit and rollback. */
function markEnded(runner: QueryRunner): void {
  Object.assign(runner, { isTransactionActive: false, transactionDepth: 0 });
}

/** A transaction handed over with a slot whose holder did not take it: rolled back, released. */
export async function abandonHandedOver(handed: HandedOver | undefined): Promise<void> {
  if (!handed) return;
  const { client, runner } = handed;
  await rollbackAndRelease(client, runner, (broken) => releaseRunner(runner, broken));
}
