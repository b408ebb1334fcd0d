import { IntegrationCommand, Message } from '../../messaging/message';

@IntegrationCommand('RefundTicket')
export class RefundTicket extends Message {
  ticket_id: string;
}
