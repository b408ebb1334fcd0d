import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { TransportationClient } from '../../gateway/transportation.client';
import { HandlerName } from '../../messaging';
import { TaxiBooked_v1 } from '../events/taxi-booked.event';
import { TaxiBookingFailed_v1 } from '../events/taxi-booking-failed.event';
import { BookTaxi } from './book-taxi.command';

/** Books the taxi; a repeated idempotency key gets Transportation's first answer (see BookFlight). */
@CommandHandler(BookTaxi)
@HandlerName('book_taxi', { deferWrites: true })
export class BookTaxiHandler implements ICommandHandler<BookTaxi> {
  constructor(
    private readonly transportation: TransportationClient,
    private readonly eventBus: EventBus,
  ) {}

  async execute(command: BookTaxi): Promise<void> {
    const { reference_id, header } = command;
    const taxi = await this.transportation.bookTaxi({
      customer_email: command.customer_email,
      number_of_passengers: command.number_of_passengers,
      passenger_name: command.customer_name,
      reference_id,
      idempotency_key: command.idempotency_key,
    });
    const same = { idempotency_key: header.idempotency_key };
    await this.eventBus.publish(
      taxi.booked
        ? new TaxiBooked_v1({ taxi_booking_id: taxi.booking_id, reference_id }, same)
        : new TaxiBookingFailed_v1({ failure_reason: taxi.reason, reference_id }, same),
    );
  }
}
