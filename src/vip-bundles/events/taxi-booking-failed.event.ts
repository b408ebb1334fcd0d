import { IntegrationEvent, Message } from '../../messaging';

/** Transportation answered 409: no taxi. */
@IntegrationEvent('TaxiBookingFailed_v1')
export class TaxiBookingFailed_v1 extends Message {
  failure_reason: string;
  /** The VIP bundle id. */
  reference_id: string;
}
