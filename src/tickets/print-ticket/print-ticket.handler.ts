import { EventBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { FilesClient } from '../../gateway/files.client';
import { HandlerName } from '../../messaging';
import { TicketBookingConfirmed_v1 } from '../events/ticket-booking-confirmed.event';
import { TicketPrinted_v1 } from '../events/ticket-printed.event';
import { ticketFileName, ticketHtml } from './ticket-html';

/** The file name is derived from the ticket id, so a retry finds the file already there. */
@EventsHandler(TicketBookingConfirmed_v1)
@HandlerName('print_ticket', { deferWrites: true })
export class PrintTicketHandler implements IEventHandler<TicketBookingConfirmed_v1> {
  constructor(
    private readonly files: FilesClient,
    private readonly eventBus: EventBus,
  ) {}

  async handle(event: TicketBookingConfirmed_v1): Promise<void> {
    const file_name = ticketFileName(event.ticket_id);
    await this.files.upload(file_name, ticketHtml(event.ticket_id, event.price)); // 'exists' is fine
    await this.eventBus.publish(
      new TicketPrinted_v1(
        { ticket_id: event.ticket_id, file_name },
        { idempotency_key: event.header.idempotency_key },
      ),
    );
  }
}
