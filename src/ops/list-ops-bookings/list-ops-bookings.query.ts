import { Query } from '@nestjs/cqrs';
import { OpsBooking } from '../ops-booking.document';

/**
 * Every booking document, or those with a ticket whose receipt was issued on `receiptDate`, in
 * booking id order, as pages read one at a time.
 */
export class ListOpsBookings extends Query<AsyncGenerator<OpsBooking[]>> {
  constructor(readonly receiptDate?: string) {
    super();
  }
}
