import { IntegrationEvent, Message } from '../../messaging';

/** The booking will not happen (spec §8): Dead Nation refused it for good. */
@IntegrationEvent('BookingFailed_v1')
export class BookingFailed_v1 extends Message {
  booking_id: string;
  failure_reason: string;
}
