import { NotFoundException } from '@nestjs/common';
import { GetOpsBooking } from './get-ops-booking.query';
import { GetOpsBookingHandler } from './get-ops-booking.handler';

describe('GetOpsBookingHandler', () => {
  it('answers the booking document', async () => {
    const doc = { booking_id: 'b1' };
    const handler = new GetOpsBookingHandler({ find: async () => doc } as any);
    expect(await handler.execute(new GetOpsBooking('b1'))).toBe(doc);
  });

  it('answers 404 for a booking the read model lacks', async () => {
    const handler = new GetOpsBookingHandler({ find: async () => undefined } as any);
    await expect(handler.execute(new GetOpsBooking('b1'))).rejects.toThrow(
      new NotFoundException('booking b1 is not in the ops read model'),
    );
  });
});
