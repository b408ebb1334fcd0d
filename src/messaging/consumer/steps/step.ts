import { HandledOutcome, HandlerRun } from '../../telemetry/messaging-spans';
import { Message } from '../../message';
import type { Slot } from '../semaphore';
import type { HandedOver } from './begin-with';
import { messageIdOf, StreamEntry } from '../../streams/stream-entry';

export { messageIdOf };
export type { StreamEntry };

/**
 * Where an entry waits without holding a task slot of its group: for its next retry, or for
 * the COMMIT it shares. The group consumer hands one to every entry it dispatches, so a message
 * that waits holds back no other.
 */
export interface OffTask {
  /** Resolves after `ms` (at once when `signal` aborts), once the entry holds a task slot again. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Settles as `p` does, once the entry holds a task slot again; meanwhile it holds none. For a
   * message waiting for the COMMIT it shares with the ones after it (CommitSharing): they need
   * the task slots to be read and to join. Absent: `p` is awaited in place.
   */
  during?<T>(p: Promise<T>): Promise<T>;
}

/** One entry on its way through the steps. */
export interface Delivery {
  readonly entry: StreamEntry;
  /** Which delivery the current attempt is (1 = first); the retry step counts it up. */
  delivery: number;
  /** Set by the decode step. */
  message?: Message;
  readonly offTask: OffTask;
  /** The connection slot the current attempt holds (set by the slot step). */
  slot?: Slot<HandedOver>;
  /**
   * Set by the retry step after an attempt that joined a shared transaction waited too long for
   * a lock (LockWaitWhileJoined): the next attempts begin a transaction of their own.
   */
  alone?: boolean;
}

/**
 * What became of an entry: handled (`ok`, `duplicate`: acknowledged), `dead-lettered`
 * (acknowledged with it), `not-ours` (a re-drive for another group: acknowledged), or
 * `left-pending` (shutdown: a claim or our restart takes it).
 */
export type Outcome = Exclude<HandledOutcome, 'retry'> | 'not-ours' | 'left-pending';

export type Next = () => Promise<Outcome>;
/** A piece of the consumer, as Watermill's router middleware: it may act before and after `next`. */
export type Step = (d: Delivery, next: Next) => Promise<Outcome>;

/** The steps in order, each wrapping the rest; the last one calls no `next`. */
export function chain(steps: Step[]): (d: Delivery) => Promise<Outcome> {
  const run = (i: number, d: Delivery): Promise<Outcome> =>
    i === steps.length
      ? Promise.reject(new Error('the last step must not call next'))
      : steps[i](d, () => run(i + 1, d));
  return (d) => run(0, d);
}

export function messageOf(d: Delivery): Message {
  if (!d.message) throw new Error(`entry ${d.entry.id} used before the decode step`);
  return d.message;
}

/** The attempt as logs and spans name it. */
export function runOf(handler: string, d: Delivery): HandlerRun {
  const { entry } = d;
  return {
    handler,
    name: entry.fields.name,
    destination: entry.destination,
    messageId: messageIdOf(entry, messageOf(d)),
    delivery: d.delivery,
  };
}
