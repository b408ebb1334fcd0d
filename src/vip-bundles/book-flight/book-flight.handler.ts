import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TransportationClient } from '../../gateway/transportation.client';
import { HandlerName } from '../../messaging';
import { FlightBooked_v1 } from '../events/flight-booked.event';
import { FlightBookingFailed_v1 } from '../events/flight-booking-failed.event';
import { BookFlight } from './book-flight.command';

/**
 * Books the flight for every passenger. Transportation answers a repeated idempotency key with
 * its first answer, so a redelivery (or a crash before the event was written) books nothing
 * new and reports the same tickets. Holds no connection while Transportation answers.
 */
@CommandHandler(BookFlight)
@HandlerName('book_flight', { deferWrites: true })
export class BookFlightHandler implements ICommandHandler<BookFlight> {
  constructor(
    private readonly transportation: TransportationClient,
    private readonly eventBus: EventBus,
  ) {}

  async execute(command: BookFlight): Promise<void> {
    const { flight_id, reference_id, header } = command;
    const booking = await this.transportation.bookFlight({
      customer_email: command.customer_email,
      flight_id,
      passenger_names: command.passengers,
      reference_id,
      idempotency_key: command.idempotency_key,
    });
    const same = { idempotency_key: header.idempotency_key };
    await this.eventBus.publish(
      booking.booked
        ? new FlightBooked_v1({ flight_id, ticket_ids: booking.ticket_ids, reference_id }, same)
        : new FlightBookingFailed_v1(
            { flight_id, failure_reason: booking.reason, reference_id },
            same,
          ),
    );
  }
}
