import type { OpsBooking, OpsTicket } from './api';

/** A ticket's journey after Dead Nation confirms it (spec §11), in order. */
export const TICKET_STEPS = ['confirmed', 'receipt', 'printed', 'refunded'] as const;
export type TicketStep = (typeof TICKET_STEPS)[number];

/** When the ticket reached each step (null: not yet). */
export function stepTimes(t: OpsTicket): Record<TicketStep, string | null> {
  return {
    confirmed: t.confirmed_at,
    receipt: t.receipt_issued_at,
    printed: t.printed_at,
    refunded: t.refunded_at,
  };
}

/**
 * The furthest step reached; a receipt and a print can come in either order, so "printed"
 * means both are done, and a ticket printed before its receipt still reads "receipt".
 */
export function ticketStatus(t: OpsTicket): TicketStep {
  if (t.refunded_at) return 'refunded';
  if (t.printed_at && t.receipt_issued_at) return 'printed';
  if (t.receipt_issued_at || t.printed_at) return 'receipt';
  return 'confirmed';
}

/**
 * Where the booking itself stands: made (the read model has it), then at Dead Nation until
 * Dead Nation's webhook confirms its first ticket.
 */
export function bookingStatus(b: OpsBooking): 'at Dead Nation' | 'tickets issued' {
  return Object.keys(b.tickets).length === 0 ? 'at Dead Nation' : 'tickets issued';
}

/** The UTC dates (YYYY-MM-DD) of the booking's receipts: what the date filter matches. */
export function receiptDates(b: OpsBooking): string[] {
  return Object.values(b.tickets)
    .map((t) => t.receipt_issued_at)
    .filter((at): at is string => at !== null)
    .map((at) => new Date(at).toISOString().slice(0, 10));
}

/** Newest first. */
export function byNewest(a: OpsBooking, b: OpsBooking): number {
  return Date.parse(b.booked_at) - Date.parse(a.booked_at);
}

export function formatTime(at: string | null): string {
  if (!at) return '';
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
