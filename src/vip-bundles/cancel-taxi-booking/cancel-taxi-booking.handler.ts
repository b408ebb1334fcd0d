import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransportationClient } from '../../gateway/transportation.client';
import { HandlerName } from '../../messaging';
import { CancelTaxiBooking } from './cancel-taxi-booking.command';

/** Gives the taxi back (a bundle whose show booking failed late); a DELETE is idempotent. */
@CommandHandler(CancelTaxiBooking)
@HandlerName('cancel_taxi_booking', { deferWrites: true })
export class CancelTaxiBookingHandler implements ICommandHandler<CancelTaxiBooking> {
  constructor(private readonly transportation: TransportationClient) {}

  async execute({ taxi_booking_id }: CancelTaxiBooking): Promise<void> {
    await this.transportation.cancelTaxiBooking(taxi_booking_id);
  }
}
