export type FlightLeg = 'inbound' | 'return';

/**
 * The idempotency key of every message a bundle sends, derived from the bundle id and the step
 * (never random): a process that crashed and decides again sends the same keys, so
 * Transportation answers the first tickets and the refund and cancellation handlers act once.
 */
export const vipBundleKeys = (vipBundleId: string) => {
  const key = (step: string) => `vip-bundle:${vipBundleId}:${step}`;
  return {
    initialized: key('initialized'),
    bookShowTickets: key('book-show-tickets'),
    bookFlight: (leg: FlightLeg) => key(`book-flight:${leg}`),
    bookTaxi: key('book-taxi'),
    refundTicket: (ticketId: string) => key(`refund-ticket:${ticketId}`),
    cancelFlightTickets: (leg: FlightLeg) => key(`cancel-flight-tickets:${leg}`),
    cancelTaxiBooking: key('cancel-taxi-booking'),
    finalized: key('finalized'),
  };
};
