/**
 * A failed gateway call, naming the call and why it failed (e.g.
 * "Receipts issueReceipt: 400 ticket_id must be a UUID"). `transient` tells a caller whether a
 * later retry may succeed (5xx, timeout, network) or not (a rejected request).
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly call: string,
    readonly reason: string,
    readonly status: number | undefined,
    readonly transient: boolean,
    readonly attempts: number,
  ) {
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    super(`${call}: ${status !== undefined ? `${status} ` : ''}${reason}${tries}`);
  }

  /**
   * The service refused the request for good: a 4xx, except those that mean "not now" (408
   * timeout, 425 too early, 429 too many requests). Sending it again would not help.
   */
  get refused(): boolean {
    const s = this.status;
    return s !== undefined && s >= 400 && s < 500 && ![408, 425, 429].includes(s);
  }
}
