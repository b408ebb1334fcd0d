import { IntegrationCommand, Message } from '../../messaging';

/** Sent through the outbox (CommandSender, or the CommandBus): the refund_ticket consumer runs it. */
@IntegrationCommand('RefundTicket')
export class RefundTicket extends Message {
  ticket_id: string;
}
