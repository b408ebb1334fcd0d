import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('TicketRefunded_v1')
export class TicketRefunded_v1 extends Message {
  ticket_id: string;
}
