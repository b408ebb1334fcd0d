import { createHash } from 'node:crypto';

/** Our own namespace for name-based (version 5) UUIDs. */
const NAMESPACE = Buffer.from('5b0f5b4e6c8a4f0e9d1a2c3b4a596877', 'hex');

/** A UUID derived from a name (RFC 4122 version 5): the same name always gives the same UUID. */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The keys of a ticket's refund, derived from the ticket id (not from the command), so two
 * refund requests for one ticket void and refund once.
 */
export const refundKeys = (ticketId: string) => ({
  voidReceipt: nameBasedUuid(`void-receipt:${ticketId}`),
  refund: nameBasedUuid(`refund:${ticketId}`),
});
