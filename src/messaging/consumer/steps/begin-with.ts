import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsServiceManager } from 'nestjs-cls';
import { PoolClient } from 'pg';
import { EntityManager, QueryRunner } from 'typeorm';
import type { Slot } from '../semaphore';
import { hitFault } from '../../faults';
import { PgError, sendSimple, simpleQuery } from '../../simple-query';

type PassedOn = NonNullable<ReturnType<Slot<HandedOver>['passOn']>>;

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
 * How many messages' transactions may share one COMMIT (MessagingOptions.consumer.sharedCommit):
 * while other messages wait for a connection slot, a holder that is done passes its open
 * transaction on to the next one, which runs in a savepoint of it, instead of committing; the
 * last one commits for all of them. `messages` 1 commits every message on its own.
 */
export interface CommitSharing {
  /** The most messages one COMMIT covers. */
  messages: number;
  /** No message joins a transaction begun longer ago than this: bounds how late a commit comes. */
  withinMs: number;
}

/**
 * One transaction that several messages run in one after another, each after the first in a
 * savepoint of its own. Each waits for `committed` before it counts as handled (and is
 * acknowledged); a failed COMMIT fails them all, and their retries find no dedupe record.
 */
export class SharedTransaction {
  members = 1;
  readonly startedAt = Date.now();
  readonly committed: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };

  constructor() {
    this.committed = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.committed.catch(() => undefined); // a member that failed itself does not wait for it
  }

  /** Whether one more message may join it under `sharing`. */
  open(sharing: CommitSharing | undefined): boolean {
    return (
      sharing !== undefined &&
      this.members < sharing.messages &&
      Date.now() - this.startedAt < sharing.withinMs
    );
  }

  done(): void {
    this.settle.resolve();
  }

  fail(e: unknown): void {
    this.settle.reject(e);
  }
}

/**
 * How long a message that joined a shared transaction waits for a lock before its statement
 * fails (lock_timeout, 55P03). Holding the locks of the messages before it, it could otherwise
 * close a cycle no single message's transaction makes: two shared transactions, each holding
 * one booking's lock and joined by a message that wants the other's. PostgreSQL breaks a cycle
 * only after deadlock_timeout (1 s); this breaks it sooner, and breaks it at the joined message,
 * which is undone and tried again at once in a transaction of its own (LockWaitWhileJoined).
 */
export const JOINED_LOCK_TIMEOUT_MS = 50;

/** SQLSTATE 55P03: lock_not_available (lock_timeout, NOWAIT). */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * A message that joined a shared transaction waited longer than JOINED_LOCK_TIMEOUT_MS for a
 * lock: it has been undone (the messages before it commit); the retry step runs it again at
 * once, not as a failed delivery, in a transaction of its own (Delivery.alone).
 */
export class LockWaitWhileJoined extends Error {
  constructor(cause: unknown) {
    super(`waited over ${JOINED_LOCK_TIMEOUT_MS} ms for a lock in a shared transaction`, { cause });
  }
}

function isLockTimeout(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } } | undefined;
  return err?.code === LOCK_NOT_AVAILABLE || err?.driverError?.code === LOCK_NOT_AVAILABLE;
}

/** A transaction the holder of a connection slot began, or opened a savepoint in, for the next holder (finish). */
export interface HandedOver {
  runner: QueryRunner;
  client: PoolClient;
  /** What the next holder's first statement returned. */
  rows: Record<string, unknown>[];
  /** Set when the next holder joins the holder's transaction, in this savepoint of it. */
  joined?: { tx: SharedTransaction; savepoint: string };
}

/**
 * What txHost.withTransaction does (TypeORM's EntityManager.transaction: a query runner, START
 * TRANSACTION, the work with the runner's manager as `txHost.tx`, COMMIT or ROLLBACK, release),
 * but START TRANSACTION and the transaction's first statement travel in one round trip: one
 * simple-protocol query of both, so `first` carries its values as literals (pg's escapeLiteral);
 * it is built only when this attempt begins the transaction itself.
 * `work` gets the rows `first` returned. TypeORM's rollback is its own; the commit is sent here
 * (commitChecked, commitOrHandOn), with TypeORM's commit events around it (OutboxNotifier's
 * wake-up), because TypeORM does not read PostgreSQL's answer to it.
 *
 * With the connection `slot` it runs in: a transaction handed over with the slot is taken
 * instead of beginning one (its `first` went with the last holder's COMMIT, or with the SAVEPOINT
 * this attempt joins the holder's transaction in), and when another message waits for a slot
 * this one is handed on the same way (finish: shared under `sharing`, else commitOrHandOn).
 */
export async function beginWith<T>(
  txHost: TxHost,
  first: () => string,
  work: (rows: Record<string, unknown>[]) => Promise<T>,
  { slot, sharing, waitOutside = (p) => p }: BeginWithOptions = {},
): Promise<T> {
  const setTx = (tx?: EntityManager) => (txHost as unknown as TxInstanceSetter).setTxInstance!(tx);
  const handed = slot?.takeGift();
  const runner = handed?.runner ?? txHost.tx.connection.createQueryRunner();
  const tx = handed?.joined?.tx ?? new SharedTransaction();
  const savepoint = handed?.joined?.savepoint; // none: this attempt began the transaction
  const release = releaseOnce(runner);
  const how: { ended: 'released' | 'handed-on' | 'joined' } = { ended: 'released' };
  let result: T;
  try {
    const client = handed?.client ?? ((await runner.connect()) as PoolClient);
    const rows = handed?.rows ?? (await startWith(runner, client, first()));
    result = await ClsServiceManager.getClsService().run({ ifNested: 'inherit' }, async () => {
      setTx(runner.manager);
      try {
        const done = await work(rows);
        how.ended = await finish(
          { runner, client, release, tx, savepoint },
          slot?.passOn(),
          sharing,
        );
        return done;
      } catch (e) {
        if (runner.isTransactionActive && !release.done) {
          await undo({ runner, client, release, tx, savepoint });
        }
        throw savepoint && isLockTimeout(e) ? new LockWaitWhileJoined(e) : e;
      } finally {
        setTx(undefined);
      }
    });
  } finally {
    if (how.ended === 'released') await release();
  }
  // Handled only once the transaction it joined is committed, by whichever message ends it.
  if (how.ended === 'joined') await waitOutside(tx.committed);
  return result;
}

export interface BeginWithOptions {
  /** The connection slot the attempt holds (slotStep). */
  slot?: Slot<HandedOver>;
  /** Whether, and how far, messages waiting for the slot may share this transaction's COMMIT. */
  sharing?: CommitSharing;
  /** How a message waits for the COMMIT it shares (OffTask.during: holding no task slot). */
  waitOutside?: (committed: Promise<void>) => Promise<void>;
}

/** The connection one attempt holds, and its place in the transaction on it. */
interface Held {
  runner: QueryRunner;
  client: PoolClient;
  release: (broken?: unknown) => Promise<void>;
  tx: SharedTransaction;
  /** This attempt's savepoint; none when it began the transaction. */
  savepoint?: string;
}

/**
 * Ends a successful attempt. With a message waiting for the slot and room in the transaction
 * (CommitSharing), sends a savepoint and the waiter's first statement in one query and hands
 * the open transaction on (`joined`: this attempt waits for the COMMIT that ends it); otherwise
 * commits for every message in it, handing the connection on with the next one's transaction
 * begun when one waits (commitOrHandOn).
 */
async function finish(
  held: Held,
  next: PassedOn | undefined,
  sharing: CommitSharing | undefined,
): Promise<'released' | 'handed-on' | 'joined'> {
  const { runner, client, tx } = held;
  if (!next || !tx.open(sharing)) return commitAll(held, next);
  const savepoint = `shared_${tx.members + 1}`;
  const sent = await sendSimple(client, `SAVEPOINT ${savepoint}; ${JOINED_LOCKS}; ${next.wish}`);
  if ('error' in sent) {
    // The waiter begins alone, once this attempt has given its connection back: never more
    // connections than slots.
    try {
      return await afterRefusedSavepoint(held, savepoint, sent.error);
    } finally {
      next.give(undefined);
    }
  }
  tx.members++;
  next.give({ runner, client, rows: sent.results[2].rows, joined: { tx, savepoint } });
  return 'joined';
}

/** Sent with each joining message's savepoint: undone with it, ended by the COMMIT. */
const JOINED_LOCKS = `SET LOCAL lock_timeout = ${JOINED_LOCK_TIMEOUT_MS}`;

/**
 * `SAVEPOINT <savepoint>; <the waiter's statement>` failed. Refused in an aborted transaction, the
 * savepoint tells that a statement of this attempt failed and its error was swallowed: this
 * attempt is undone and fails. Else only the waiter's statement failed: it is undone, and this
 * attempt's work commits with the others'. Either way the connection is released here.
 */
async function afterRefusedSavepoint(
  held: Held,
  savepoint: string,
  error: PgError,
): Promise<'released'> {
  const { runner, client, release, tx } = held;
  if (error?.code === IN_FAILED_TRANSACTION) {
    await undo(held);
    await release();
    throw new Error(SWALLOWED);
  }
  const undone = await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).then(
    () => true,
    () => false,
  );
  if (!undone) {
    await rollbackAndRelease(client, runner, release);
    tx.fail(error);
    throw error;
  }
  try {
    return (await commitAll(held, undefined)) as 'released';
  } finally {
    await release();
  }
}

/**
 * COMMIT for every message in the transaction (and the next one's start with it, when one waits).
 * Throws SWALLOWED when only this attempt was undone (it aborted the transaction; the others
 * committed).
 */
async function commitAll(
  held: Held,
  next: PassedOn | undefined,
): Promise<'released' | 'handed-on'> {
  const { runner, client, release, tx, savepoint } = held;
  // Messages wait for this COMMIT (acknowledged only after it): a crash here loses none of them.
  if (tx.members > 1) hitFault('consumer.before-shared-commit');
  let how: 'handed-on' | 'committed' | 'undone';
  try {
    how = await commitOrHandOn(runner, client, release, next, savepoint);
  } catch (e) {
    tx.fail(e);
    throw e;
  }
  tx.done();
  if (how === 'undone') throw new Error(SWALLOWED);
  return how === 'handed-on' ? 'handed-on' : 'released';
}

const SWALLOWED = 'a statement of the transaction had failed: the handler swallowed its error';

/**
 * Undoes a failed attempt. One in a savepoint rolls back to it, and the messages before it in the
 * transaction are committed without it; one that began the transaction rolls it back (no other
 * message has joined it yet: they join only after the holder succeeded).
 */
async function undo(held: Held): Promise<void> {
  const { runner, client, release, tx, savepoint } = held;
  if (!savepoint) {
    await runner.rollbackTransaction().catch(() => undefined);
    tx.fail(new Error('rolled back'));
    return;
  }
  try {
    await undoOwnSavepoint(runner, client, savepoint);
    tx.done();
  } catch (e) {
    // The connection failed under the transaction: whatever is left of it goes, and with it the
    // messages before this one, which are retried.
    if (runner.isTransactionActive) await rollbackAndRelease(client, runner, release);
    tx.fail(e);
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
  next: PassedOn | undefined,
  savepoint?: string,
): Promise<'handed-on' | 'committed' | 'undone'> {
  if (!next) return commitChecked(runner, client, savepoint);
  let handed: HandedOver | undefined;
  let ended = false; // rolled back and released: the connection is no longer this one's to touch
  const end = async () => {
    ended = true;
    await rollbackAndRelease(client, runner, release);
  };
  try {
    await runner.broadcaster.broadcast('BeforeTransactionCommit');
    const sent = await sendSimple(
      client,
      `${releaseFirst(savepoint)}COMMIT; START TRANSACTION; ${next.wish}`,
    );
    if ('error' in sent) {
      if (savepoint && sent.error?.code === IN_FAILED_TRANSACTION) {
        // The RELEASE was refused, nothing after it ran: this attempt aborted the transaction.
        const undone = await undoOwnSavepoint(runner, client, savepoint);
        await release();
        return undone;
      }
      const committed = await client.query('SELECT 1').then(
        () => false,
        (probe: PgError) => probe?.code === IN_FAILED_TRANSACTION,
      );
      await end();
      if (!committed) throw sent.error;
      await runner.broadcaster.broadcast('AfterTransactionCommit');
      return 'committed';
    }
    const [commit, , first] = sent.results.slice(savepoint ? 1 : 0);
    if (commit.command !== 'COMMIT') {
      throw new Error('COMMIT rolled the transaction back: a statement in it had failed');
    }
    markEnded(runner);
    await runner.broadcaster.broadcast('AfterTransactionCommit');
    markInTransaction(runner);
    handed = { runner, client, rows: first.rows };
    return 'handed-on';
  } catch (e) {
    if (!ended) await end();
    throw e;
  } finally {
    next.give(handed);
  }
}

/** `RELEASE SAVEPOINT` of an attempt that joined a transaction, sent with its COMMIT. */
const releaseFirst = (savepoint?: string) => (savepoint ? `RELEASE SAVEPOINT ${savepoint}; ` : '');

/**
 * TypeORM's commitTransaction (its events around a COMMIT), but a COMMIT that PostgreSQL answers
 * with ROLLBACK fails: a statement of the transaction failed and the handler swallowed the error,
 * so nothing it did (nor its dedupe record) was written, and the message must not be acknowledged.
 * TypeORM does not look at the answer. An attempt that joined the transaction releases its
 * savepoint in the same query: refused (the transaction is aborted), it tells that this attempt
 * swallowed the error, and only this attempt is undone (`undone`); the messages before it commit.
 */
async function commitChecked(
  runner: QueryRunner,
  client: PoolClient,
  savepoint?: string,
): Promise<'committed' | 'undone'> {
  await runner.broadcaster.broadcast('BeforeTransactionCommit');
  const sent = await sendSimple(client, `${releaseFirst(savepoint)}COMMIT`);
  if ('error' in sent) {
    if (savepoint && sent.error?.code === IN_FAILED_TRANSACTION) {
      return undoOwnSavepoint(runner, client, savepoint);
    }
    throw sent.error;
  }
  const { command } = sent.results[sent.results.length - 1];
  markEnded(runner);
  if (command !== 'COMMIT') {
    throw new Error('COMMIT rolled the transaction back: a statement in it had failed');
  }
  await runner.broadcaster.broadcast('AfterTransactionCommit');
  return 'committed';
}

/** Rolls back to the attempt's own savepoint and commits the messages before it. */
async function undoOwnSavepoint(
  runner: QueryRunner,
  client: PoolClient,
  savepoint: string,
): Promise<'undone'> {
  await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
  markInTransaction(runner); // a nested TypeORM transaction of the handler ended with it
  await commitChecked(runner, client);
  return 'undone';
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

/** releaseRunner, once however often it is called; `done` tells whether it was. */
function releaseOnce(
  runner: QueryRunner,
): ((broken?: unknown) => Promise<void>) & { done: boolean } {
  const release = Object.assign(
    async (broken?: unknown) => {
      if (release.done) return;
      release.done = true;
      await releaseRunner(runner, broken);
    },
    { done: false },
  );
  return release;
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

/**
 * A transaction handed over with a slot whose holder did not take it: rolled back and released;
 * one it was to join is rolled back to its savepoint and committed for the messages before it.
 */
export async function abandonHandedOver(handed: HandedOver | undefined): Promise<void> {
  if (!handed) return;
  const { client, runner, joined } = handed;
  const release = releaseOnce(runner);
  if (!joined) return rollbackAndRelease(client, runner, release);
  await undo({ runner, client, release, tx: joined.tx, savepoint: joined.savepoint });
  await release();
}
