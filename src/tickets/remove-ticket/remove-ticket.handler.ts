import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlerName } from '../../messaging/handler-name.decorator';
import { TicketBookingCanceled_v1 } from '../events/ticket-booking-canceled.event';
import { TicketsRepository } from '../tickets.repository';

@EventsHandler(TicketBookingCanceled_v1)
@HandlerName('remove_ticket')
export class RemoveTicketHandler implements IEventHandler<TicketBookingCanceled_v1> {
  constructor(private readonly tickets: TicketsRepository) {}

  async handle(event: TicketBookingCanceled_v1): Promise<void> {
    if (!(await this.tickets.markCanceled(event.ticket_id))) {
      // The cancel overtook its confirm: fail, so it is retried once the ticket is stored.
      throw new Error(`ticket ${event.ticket_id} is not stored yet`);
    }
  }
}
