import { IntegrationEvent, Message } from '../../messaging';

/** A bundle was stored (spec §8): written to the outbox in the transaction that stores it. */
@IntegrationEvent('VipBundleInitialized_v1')
export class VipBundleInitialized_v1 extends Message {
  vip_bundle_id: string;
  booking_id: string;
  customer_email: string;
  show_id: string;
  number_of_tickets: number;
  passengers: string[];
  inbound_flight_id: string;
  return_flight_id: string;
}
