import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

/** Which bookings a webhook's tickets may name: those this system made. */
@Injectable()
export class KnownBookingsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The ids among `bookingIds` that name no booking; one query however many tickets. */
  async unknownAmong(bookingIds: string[]): Promise<Set<string>> {
    const known: { booking_id: string }[] = await this.txHost.tx.query(
      'SELECT booking_id FROM bookings WHERE booking_id = ANY($1::uuid[])',
      [[...new Set(bookingIds)]],
    );
    const found = new Set(known.map((row) => row.booking_id));
    return new Set(bookingIds.filter((id) => !found.has(id)));
  }
}
