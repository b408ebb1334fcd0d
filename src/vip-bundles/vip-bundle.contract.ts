/*
 * The wire shape of a VIP bundle, with no imports: the staff's web page (web/) imports this file
 * too, so the page and the API cannot drift apart.
 */

export type VipBundleStatus = 'in_progress' | 'succeeded' | 'failed';

/** What `GET /api/vip-bundles/:id` answers (spec §8). */
export interface VipBundleView {
  vip_bundle_id: string;
  booking_id: string;
  customer_email: string;
  show_id: string;
  number_of_tickets: number;
  passengers: string[];
  status: VipBundleStatus;
  failure_reason: string | null;
  /** The show tickets, as Dead Nation confirms them. */
  ticket_ids: string[];
  inbound_flight_id: string;
  inbound_flight_ticket_ids: string[];
  return_flight_id: string;
  return_flight_ticket_ids: string[];
  taxi_booking_id: string | null;
  /** Show tickets the bundle asked to refund (RefundTicket sent). */
  refunded_ticket_ids: string[];
  /** Flight tickets the bundle asked to cancel (CancelFlightTickets sent). */
  canceled_flight_ticket_ids: string[];
  initialized_at: string;
  booking_made_at: string | null;
  inbound_flight_booked_at: string | null;
  return_flight_booked_at: string | null;
  taxi_booked_at: string | null;
  finalized_at: string | null;
}
