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
}
