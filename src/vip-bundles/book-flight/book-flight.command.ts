import { IntegrationCommand, Message } from '../../messaging';

/** Transportation `PUT /flight-tickets` → FlightBooked_v1; 409 → FlightBookingFailed_v1. */
@IntegrationCommand('BookFlight')
export class BookFlight extends Message {
  customer_email: string;
  flight_id: string;
  passengers: string[];
  /** The VIP bundle id. */
  reference_id: string;
  /** Passed to Transportation, which answers a repeated key with the first tickets. */
  idempotency_key: string;
}
