import { IntegrationCommand, Message } from '../../messaging';

/** Transportation `DELETE /flight-tickets/{id}` for each (204 also when already canceled). */
@IntegrationCommand('CancelFlightTickets')
export class CancelFlightTickets extends Message {
  flight_ticket_ids: string[];
}
