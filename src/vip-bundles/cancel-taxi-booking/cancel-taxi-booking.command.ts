import { IntegrationCommand, Message } from '../../messaging';

/**
 * Transportation `DELETE /taxi-booking/{id}`. Not in spec §8's table: a bundle whose show booking
 * Dead Nation refuses only after the taxi was booked (BookingFailed_v1 after BookingMade_v1)
 * must give the taxi back too (docs/sagas.md).
 */
@IntegrationCommand('CancelTaxiBooking')
export class CancelTaxiBooking extends Message {
  taxi_booking_id: string;
  /** The VIP bundle id. */
  reference_id: string;
}
