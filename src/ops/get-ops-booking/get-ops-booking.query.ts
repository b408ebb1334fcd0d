import { Query } from '@nestjs/cqrs';
import { OpsBooking } from '../ops-booking.document';

/** The document of one booking. */
export class GetOpsBooking extends Query<OpsBooking> {
  constructor(readonly bookingId: string) {
    super();
  }
}
