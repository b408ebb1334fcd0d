import type { VipBundle } from './api';

/** A VIP bundle's steps in the order the saga takes them (docs/sagas.md). */
export const BUNDLE_STEPS = [
  { key: 'tickets', label: 'show tickets booked', at: (b: VipBundle) => b.booking_made_at },
  { key: 'inbound', label: 'inbound flight', at: (b: VipBundle) => b.inbound_flight_booked_at },
  { key: 'return', label: 'return flight', at: (b: VipBundle) => b.return_flight_booked_at },
  { key: 'taxi', label: 'taxi', at: (b: VipBundle) => b.taxi_booked_at },
  { key: 'finalized', label: 'finalized', at: (b: VipBundle) => b.finalized_at },
] as const;

export type StepState = 'done' | 'todo' | 'failed';

/** A failed bundle is finalized too; the first step it never reached is the one that failed. */
export function stepStates(b: VipBundle): StepState[] {
  const failedAt =
    b.status === 'failed' ? BUNDLE_STEPS.findIndex((s) => s.key !== 'finalized' && !s.at(b)) : -1;
  return BUNDLE_STEPS.map((s, i) => (i === failedAt ? 'failed' : s.at(b) ? 'done' : 'todo'));
}

/**
 * Nothing more will change on the page: finalized, and the late facts have come in (Dead
 * Nation confirms every ticket of a success; a failure refunds each ticket it got).
 */
export function bundleAtRest(b: VipBundle): boolean {
  if (!b.finalized_at) return false;
  return b.status === 'failed'
    ? b.refunded_ticket_ids.length === b.ticket_ids.length
    : b.ticket_ids.length === b.number_of_tickets;
}

/** The passengers' names, one a line, blank lines dropped. */
export function passengerNames(text: string): string[] {
  return text
    .split('\n')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}
