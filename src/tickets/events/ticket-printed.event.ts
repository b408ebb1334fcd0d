import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('TicketPrinted_v1')
export class TicketPrinted_v1 extends Message {
  ticket_id: string;
  file_name: string;
}
