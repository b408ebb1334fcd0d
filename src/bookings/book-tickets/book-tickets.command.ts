import { Command } from '@nestjs/cqrs';

export interface BookingRequest {
  show_id: string;
  number_of_tickets: number;
  customer_email: string;
}

/** Takes seats of a show for a customer; answers the new booking's id. */
export class BookTickets extends Command<string> {
  constructor(readonly request: BookingRequest) {
    super();
  }
}
