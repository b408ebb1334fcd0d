import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('BookingMade_v1')
export class BookingMade_v1 extends Message {
  booking_id: string;
  show_id: string;
  number_of_tickets: number;
  customer_email: string;
}
