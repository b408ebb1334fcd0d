import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { OpsBooking } from '../ops-booking.document';
import { OpsBookingsReader } from '../ops-bookings.reader';
import { ListOpsBookings } from './list-ops-bookings.query';

@QueryHandler(ListOpsBookings)
export class ListOpsBookingsHandler implements IQueryHandler<ListOpsBookings> {
  constructor(private readonly reader: OpsBookingsReader) {}

  // Pages, not an array: a million documents never sit in memory at once.
  async execute({ receiptDate }: ListOpsBookings): Promise<AsyncGenerator<OpsBooking[]>> {
    return this.reader.all(receiptDate);
  }
}
