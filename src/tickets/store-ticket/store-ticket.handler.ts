import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlerName } from '../../messaging';
import { TicketBookingConfirmed_v1 } from '../events/ticket-booking-confirmed.event';
import { TicketsRepository } from '../tickets.repository';

@EventsHandler(TicketBookingConfirmed_v1)
@HandlerName('store_ticket', { batch: true })
export class StoreTicketHandler implements IEventHandler<TicketBookingConfirmed_v1> {
  constructor(private readonly tickets: TicketsRepository) {}

  async handle(event: TicketBookingConfirmed_v1): Promise<void> {
    await this.tickets.store(event);
  }
}
