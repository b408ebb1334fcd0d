import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlerName } from '../../messaging';
import { TicketBookingConfirmed_v1 } from '../events/ticket-booking-confirmed.event';
import { SpreadsheetRows } from '../spreadsheets/spreadsheet-rows';

export const TICKETS_TO_PRINT = 'tickets-to-print';

@EventsHandler(TicketBookingConfirmed_v1)
@HandlerName('print_list', { deferWrites: true })
export class PrintListHandler implements IEventHandler<TicketBookingConfirmed_v1> {
  constructor(private readonly rows: SpreadsheetRows) {}

  async handle({ ticket_id, customer_email, price }: TicketBookingConfirmed_v1): Promise<void> {
    await this.rows.appendOnce(TICKETS_TO_PRINT, ticket_id, [
      ticket_id,
      customer_email,
      price.amount,
      price.currency,
    ]);
  }
}
