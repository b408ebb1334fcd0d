import { RetryLater } from '../retry-later';
import { isInfrastructureError } from './infrastructure-error';

/** Uncounted retries for errors that only look like an outage (see OutageCounter). */
export const MAX_UNPROVEN_OUTAGE_RETRIES = 100;

/**
 * Decides, for one message, whether a failed attempt spends a delivery. A lost database
 * connection is not the message's fault: while PostgreSQL does not answer, the attempt is never
 * counted, however long the outage lasts (spec §10: an outage of any length dead-letters
 * nothing). An error that looks like an outage while PostgreSQL does answer, and RetryLater
 * (something busy), are not counted either, but only MAX_UNPROVEN_OUTAGE_RETRIES times, so a
 * message that keeps failing that way still ends in the dead letters.
 */
export class OutageCounter {
  private unproven = 0;

  /**
   * `databaseDown` is asked only for errors that look like an outage: whether PostgreSQL
   * failed to answer a ping just now.
   */
  async classify(
    error: unknown,
    databaseDown: () => Promise<boolean>,
  ): Promise<'outage' | 'delivery'> {
    const busy = error instanceof RetryLater;
    if (!busy && !isInfrastructureError(error)) return 'delivery';
    if (!busy && (await databaseDown())) return 'outage';
    return ++this.unproven <= MAX_UNPROVEN_OUTAGE_RETRIES ? 'outage' : 'delivery';
  }
}

/** Whether a ping of PostgreSQL fails or gets no answer within `withinMs` (counts as down). */
export async function databaseDown(
  ping: () => Promise<unknown>,
  withinMs = 2000,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const answered = ping().then(
    () => false,
    () => true,
  );
  const slow = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), withinMs)));
  try {
    return await Promise.race([answered, slow]);
  } finally {
    clearTimeout(timer);
  }
}
