import { EventBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { ReceiptsClient } from '../../gateway/receipts.client';
import { HandlerName } from '../../messaging';
import { TicketBookingConfirmed_v1 } from '../events/ticket-booking-confirmed.event';
import { TicketReceiptIssued_v1 } from '../events/ticket-receipt-issued.event';

/** The event's idempotency key makes Receipts answer a retry with the first receipt. */
@EventsHandler(TicketBookingConfirmed_v1)
@HandlerName('issue_receipt', { deferWrites: true })
export class IssueReceiptHandler implements IEventHandler<TicketBookingConfirmed_v1> {
  constructor(
    private readonly receipts: ReceiptsClient,
    private readonly eventBus: EventBus,
  ) {}

  async handle(event: TicketBookingConfirmed_v1): Promise<void> {
    const { idempotency_key } = event.header;
    const receipt = await this.receipts.issueReceipt({
      ticket_id: event.ticket_id,
      price: { money_amount: event.price.amount, money_currency: event.price.currency },
      idempotency_key,
    });
    await this.eventBus.publish(
      new TicketReceiptIssued_v1(
        {
          ticket_id: event.ticket_id,
          receipt_number: receipt.number,
          issued_at: receipt.issued_at,
        },
        { idempotency_key },
      ),
    );
  }
}
