/**
 * Thrown by a handler when the message is fine but what it needs is busy right now (another run
 * holds a lease on it). It is retried with backoff like after a database outage, without using
 * up a delivery: waiting for another run, however slow, must not dead-letter the message.
 * Bounded all the same, so something busy for good still ends in the dead letters.
 */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}
