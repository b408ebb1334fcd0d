import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('FlightBooked_v1')
export class FlightBooked_v1 extends Message {
  flight_id: string;
  /** One per passenger, in the order of the bundle's passengers. */
  ticket_ids: string[];
  /** The VIP bundle id. */
  reference_id: string;
}
