import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlerName } from '../../messaging';
import { TicketBookingCanceled_v1 } from '../events/ticket-booking-canceled.event';
import { SpreadsheetRows } from '../spreadsheets/spreadsheet-rows';

export const TICKETS_TO_REFUND = 'tickets-to-refund';

@EventsHandler(TicketBookingCanceled_v1)
@HandlerName('refund_list', { deferWrites: true })
export class RefundListHandler implements IEventHandler<TicketBookingCanceled_v1> {
  constructor(private readonly rows: SpreadsheetRows) {}

  async handle({ ticket_id, customer_email, price }: TicketBookingCanceled_v1): Promise<void> {
    await this.rows.appendOnce(TICKETS_TO_REFUND, ticket_id, [
      ticket_id,
      customer_email,
      price.amount,
      price.currency,
    ]);
  }
}
