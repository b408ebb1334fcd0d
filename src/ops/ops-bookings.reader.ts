import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { OpsBooking } from './ops-booking.document';
import { LIVE_TABLES } from './ops-read-model.store';

const { documents, receiptDates } = LIVE_TABLES;

/** Reads the documents operations staff see; pages by booking id so no answer is held whole. */
@Injectable()
export class OpsBookingsReader {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async find(bookingId: string): Promise<OpsBooking | undefined> {
    const rows: { payload: OpsBooking }[] = await this.txHost.tx.query(
      `SELECT payload FROM ${documents} WHERE booking_id = $1`,
      [bookingId],
    );
    return rows[0]?.payload;
  }

  /** Every document, or those with a receipt issued on `receiptDate`, in booking id order. */
  async *all(receiptDate?: string, pageSize = 500): AsyncGenerator<OpsBooking[]> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows: { booking_id: string; payload: OpsBooking }[] = receiptDate
        ? // The side table's (receipt_date, booking_id) index finds the day's bookings in order.
          await this.txHost.tx.query(
            `SELECT d.booking_id, d.payload
               FROM ${receiptDates} r JOIN ${documents} d ON d.booking_id = r.booking_id
              WHERE r.receipt_date = $1 AND r.booking_id > $2
              ORDER BY r.booking_id LIMIT $3`,
            [receiptDate, after, pageSize],
          )
        : await this.txHost.tx.query(
            `SELECT booking_id, payload FROM ${documents}
              WHERE booking_id > $1 ORDER BY booking_id LIMIT $2`,
            [after, pageSize],
          );
      if (rows.length > 0) yield rows.map((r) => r.payload);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].booking_id;
    }
  }
}
