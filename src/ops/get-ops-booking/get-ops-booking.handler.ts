import { NotFoundException } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { OpsBooking } from '../ops-booking.document';
import { OpsBookingsReader } from '../ops-bookings.reader';
import { GetOpsBooking } from './get-ops-booking.query';

@QueryHandler(GetOpsBooking)
export class GetOpsBookingHandler implements IQueryHandler<GetOpsBooking> {
  constructor(private readonly reader: OpsBookingsReader) {}

  async execute({ bookingId }: GetOpsBooking): Promise<OpsBooking> {
    const doc = await this.reader.find(bookingId);
    if (!doc) throw new NotFoundException(`booking ${bookingId} is not in the ops read model`);
    return doc;
  }
}
