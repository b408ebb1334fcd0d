import { createHash } from 'node:crypto';
import { TicketStatusDto } from './tickets-status.dto';

/**
 * What makes two webhook requests the same: their validated tickets, field by field in a fixed
 * order. Whitespace, key order and unknown fields are gone by then, and the UUIDs lower-cased,
 * so a replay re-encoded on the way is still recognised as one.
 */
export function requestHash(tickets: TicketStatusDto[]): string {
  const canonical = tickets.map((t) => [
    t.ticket_id,
    t.status,
    t.customer_email,
    t.price.amount,
    t.price.currency,
    t.booking_id,
  ]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
