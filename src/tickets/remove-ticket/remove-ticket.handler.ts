import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlerName } from '../../messaging';
import { TicketBookingCanceled_v1 } from '../events/ticket-booking-canceled.event';
import { TicketsRepository } from '../tickets.repository';

/**
 * Never waits for the confirmation: a cancel that comes first records the ticket as canceled, so
 * it needs no retry, and the confirmation arriving later, however late, cannot revive it.
 */
@EventsHandler(TicketBookingCanceled_v1)
@HandlerName('remove_ticket')
export class RemoveTicketHandler implements IEventHandler<TicketBookingCanceled_v1> {
  constructor(private readonly tickets: TicketsRepository) {}

  async handle(event: TicketBookingCanceled_v1): Promise<void> {
    await this.tickets.markCanceled(event);
  }
}
