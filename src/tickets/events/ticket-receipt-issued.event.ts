import { IntegrationEvent, Message } from '../../messaging';

@IntegrationEvent('TicketReceiptIssued_v1')
export class TicketReceiptIssued_v1 extends Message {
  ticket_id: string;
  receipt_number: string;
  /** RFC 3339 */
  issued_at: string;
}
