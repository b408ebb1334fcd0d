import { IntegrationEvent, Message } from '../../messaging';

/** Transportation answered 409: too few seats on the flight. */
@IntegrationEvent('FlightBookingFailed_v1')
export class FlightBookingFailed_v1 extends Message {
  flight_id: string;
  failure_reason: string;
  /** The VIP bundle id. */
  reference_id: string;
}
