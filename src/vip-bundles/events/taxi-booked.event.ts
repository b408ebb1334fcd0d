import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('TaxiBooked_v1')
export class TaxiBooked_v1 extends Message {
  taxi_booking_id: string;
  /** The VIP bundle id. */
  reference_id: string;
}
