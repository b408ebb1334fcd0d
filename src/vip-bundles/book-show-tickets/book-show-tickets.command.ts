import { IntegrationCommand, Message } from '../../messaging';

/**
 * Books the bundle's seats exactly as `POST /api/book-tickets` does, under the given booking_id
 * (a redelivery finds the booking and does nothing); too few seats → BookingFailed_v1. Its
 * handler belongs to bookings (the booking statement is theirs): the command may move there with it.
 */
@IntegrationCommand('BookShowTickets')
export class BookShowTickets extends Message {
  booking_id: string;
  customer_email: string;
  number_of_tickets: number;
  show_id: string;
}
