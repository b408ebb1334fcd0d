import { Money } from '../../platform/common/money';
import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('TicketBookingCanceled_v1')
export class TicketBookingCanceled_v1 extends Message {
  ticket_id: string;
  booking_id: string;
  customer_email: string;
  price: Money;
}
