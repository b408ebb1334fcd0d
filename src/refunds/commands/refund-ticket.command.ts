import { IntegrationCommand, Message } from '../../messaging';

@IntegrationCommand('RefundTicket')
export class RefundTicket extends Message {
  ticket_id: string;
}
