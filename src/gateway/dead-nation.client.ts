import { Injectable } from '@nestjs/common';
import { GatewayHttp } from './gateway.http';

export interface DeadNationBooking {
  booking_id: string;
  /** The show's dead_nation_id. */
  event_id: string;
  number_of_tickets: number;
  /** The customer's email. */
  customer_address: string;
}

/** Dead Nation books the seats; a repeated booking_id is the same booking. */
@Injectable()
export class DeadNationClient {
  constructor(private readonly http: GatewayHttp) {}

  async bookTickets(req: DeadNationBooking): Promise<void> {
    await this.http.send('DeadNation bookTickets', {
      method: 'POST',
      url: '/dead-nation-api/ticket/booking',
      data: req,
    });
  }
}
