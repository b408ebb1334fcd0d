import { IntegrationCommand, Message } from '../../messaging';

/** Transportation `PUT /taxi-booking` → TaxiBooked_v1; 409 → TaxiBookingFailed_v1. */
@IntegrationCommand('BookTaxi')
export class BookTaxi extends Message {
  customer_email: string;
  /** The first passenger. */
  customer_name: string;
  number_of_passengers: number;
  /** The VIP bundle id. */
  reference_id: string;
  /** Passed to Transportation, which answers a repeated key with the first booking. */
  idempotency_key: string;
}
