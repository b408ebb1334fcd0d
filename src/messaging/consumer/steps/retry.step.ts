import { Logger } from '@nestjs/common';
import { ExponentialBackoff } from 'cockatiel';
import { handledLine } from '../../telemetry/messaging-spans';
import { OutageCounter } from '../outage-counter';
import { LockWaitWhileJoined } from './begin-with';
import { GiveUp } from './dead-letter.step';
import { runOf, Step } from './step';

export interface RetryOptions {
  handler: string;
  maxDeliveries: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Aborted at shutdown: a waiting entry stops waiting and is left pending. */
  stopping: AbortSignal;
  /** Whether PostgreSQL fails to answer just now (asked only for outage-looking errors). */
  databaseDown: () => Promise<boolean>;
  logger: Logger;
}

/**
 * Attempts until the rest succeeds, counting each failed attempt as a delivery and giving up
 * (GiveUp: dead-lettered) after MAX_DELIVERIES. The delays come from cockatiel's exponential
 * backoff (decorrelated jitter); the loop is ours because it must count deliveries across
 * processes, wait out database outages without counting them (OutageCounter), and stop at once
 * on shutdown.
 *
 * A counted retry waits in `d.offTask`, which gives up the entry's task slot meanwhile; an
 * outage wait keeps it, since every message of the process is waiting on the same database.
 */
export function retryStep(o: RetryOptions): Step {
  const policy = new ExponentialBackoff({
    initialDelay: o.retryInitialMs,
    maxDelay: o.retryMaxMs,
  });
  return async (d, next) => {
    if (d.delivery > o.maxDeliveries) {
      // Claimed again and again: it killed the consumers that took it. Do not run it once more.
      throw new GiveUp(new Error(`claimed after ${d.delivery - 1} deliveries`));
    }
    let backoff = policy.next();
    let outage = policy.next();
    const outages = new OutageCounter();
    for (;;) {
      if (o.stopping.aborted) return 'left-pending'; // another consumer, or our restart, takes it
      try {
        const outcome = await next();
        o.logger.log(handledLine(runOf(o.handler, d), outcome as 'ok' | 'duplicate'));
        return outcome;
      } catch (e) {
        if (e instanceof LockWaitWhileJoined && !d.alone) {
          d.alone = true; // undone so that others could go on: not the message's fault
          continue;
        }
        if ((await outages.classify(e, o.databaseDown)) === 'outage') {
          o.logger.warn(handledLine(runOf(o.handler, d), 'retry', e));
          await abortableSleep(outage.duration, o.stopping);
          outage = outage.next(undefined);
          continue; // not the message's fault: the delivery is not counted
        }
        if (d.delivery >= o.maxDeliveries) throw new GiveUp(e);
        o.logger.warn(handledLine(runOf(o.handler, d), 'retry', e));
        await d.offTask.wait(backoff.duration, o.stopping);
        backoff = backoff.next(undefined);
        d.delivery++;
      }
    }
  };
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Waits where it is, keeping the task slot: the batch path's fallback, and unit tests. */
export const WAIT_IN_PLACE = { wait: abortableSleep };
