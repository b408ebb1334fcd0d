import type { VipBundleView } from './vip-bundle.contract';
import { VipBundleInitialized_v1 } from './events/vip-bundle-initialized.event';
import { vipBundleKeys } from './vip-bundle.keys';

/**
 * Where the process stands: which step's answer it waits for. `failed` and `succeeded` are
 * final for the forward path; compensation still answers late arrivals there.
 */
export type VipBundleStep =
  | 'initialized'
  | 'booking_show_tickets'
  | 'booking_inbound_flight'
  | 'booking_return_flight'
  | 'booking_taxi'
  | 'succeeded'
  | 'failed';

export type { VipBundleStatus, VipBundleView } from './vip-bundle.contract';

/** The process state, as stored (`vip_bundles.state`): the view and what only the process needs. */
export interface VipBundle extends VipBundleView {
  step: VipBundleStep;
  /** When CancelTaxiBooking was sent: a taxi booked before a late show failure. */
  taxi_canceled_at: string | null;
}

/** What a bundle starts from: what the customer asked for, and its ids. */
export type NewVipBundle = Pick<
  VipBundleView,
  | 'vip_bundle_id'
  | 'booking_id'
  | 'customer_email'
  | 'show_id'
  | 'number_of_tickets'
  | 'passengers'
  | 'inbound_flight_id'
  | 'return_flight_id'
>;

/**
 * A new bundle and its VipBundleInitialized_v1, to be stored in one transaction
 * (`POST /api/book-vip-bundle`); the process starts when the event comes back.
 */
export function initializeVipBundle(input: NewVipBundle): {
  bundle: VipBundle;
  event: VipBundleInitialized_v1;
} {
  const fields: NewVipBundle = {
    vip_bundle_id: input.vip_bundle_id,
    booking_id: input.booking_id,
    customer_email: input.customer_email,
    show_id: input.show_id,
    number_of_tickets: input.number_of_tickets,
    passengers: [...input.passengers],
    inbound_flight_id: input.inbound_flight_id,
    return_flight_id: input.return_flight_id,
  };
  const event = new VipBundleInitialized_v1(fields, {
    idempotency_key: vipBundleKeys(input.vip_bundle_id).initialized,
  });
  const bundle: VipBundle = {
    ...fields,
    passengers: [...fields.passengers],
    status: 'in_progress',
    step: 'initialized',
    failure_reason: null,
    ticket_ids: [],
    inbound_flight_ticket_ids: [],
    return_flight_ticket_ids: [],
    taxi_booking_id: null,
    refunded_ticket_ids: [],
    canceled_flight_ticket_ids: [],
    initialized_at: event.header.published_at,
    booking_made_at: null,
    inbound_flight_booked_at: null,
    return_flight_booked_at: null,
    taxi_booked_at: null,
    taxi_canceled_at: null,
    finalized_at: null,
  };
  return { bundle, event };
}

/** The stored state without what only the process needs. */
export function viewOf(bundle: VipBundle): VipBundleView {
  const { step: _step, taxi_canceled_at: _taxi, ...view } = bundle;
  return view;
}
