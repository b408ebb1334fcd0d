import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransportationClient } from '../../gateway/transportation.client';
import { HandlerName } from '../../messaging';
import { CancelFlightTickets } from './cancel-flight-tickets.command';

/** Gives the flight tickets back; a DELETE is idempotent, so a redelivery changes nothing. */
@CommandHandler(CancelFlightTickets)
@HandlerName('cancel_flight_tickets', { deferWrites: true })
export class CancelFlightTicketsHandler implements ICommandHandler<CancelFlightTickets> {
  constructor(private readonly transportation: TransportationClient) {}

  async execute({ flight_ticket_ids }: CancelFlightTickets): Promise<void> {
    for (const id of flight_ticket_ids) await this.transportation.cancelFlightTicket(id);
  }
}
