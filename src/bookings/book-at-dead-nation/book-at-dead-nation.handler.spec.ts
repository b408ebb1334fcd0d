import { EventBus } from '@nestjs/cqrs';
import { DeadNationClient } from '../../gateway/dead-nation.client';
import { GatewayError } from '../../gateway/gateway.error';
import { ShowsRepository } from '../../shows/shows.repository';
import { BookingFailed_v1 } from '../events/booking-failed.event';
import { BookingMade_v1 } from '../events/booking-made.event';
import { BookAtDeadNationHandler } from './book-at-dead-nation.handler';

describe('BookAtDeadNationHandler', () => {
  const booking = new BookingMade_v1({
    booking_id: 'b0000000-0000-4000-8000-000000000001',
    show_id: 's0000000-0000-4000-8000-000000000001',
    number_of_tickets: 2,
    customer_email: 'ada@example.com',
  });

  function handlerWhoseCallFails(error?: Error) {
    const published: unknown[] = [];
    const shows = { deadNationIdOf: async () => 'e0000000-0000-4000-8000-000000000001' };
    const deadNation = {
      bookTickets: async () => {
        if (error) throw error;
      },
    };
    const eventBus = { publish: async (event: unknown) => void published.push(event) };
    const handler = new BookAtDeadNationHandler(
      shows as unknown as ShowsRepository,
      deadNation as unknown as DeadNationClient,
      eventBus as unknown as EventBus,
    );
    return { handler, published };
  }
  const answer = (status: number) =>
    new GatewayError('DeadNation bookTickets', 'event off sale', status, status >= 500, 1);

  it('publishes nothing when Dead Nation takes the booking', async () => {
    const { handler, published } = handlerWhoseCallFails();
    await handler.handle(booking);
    expect(published).toEqual([]);
  });

  it('fails the booking when Dead Nation refuses it for good', async () => {
    const { handler, published } = handlerWhoseCallFails(answer(422));
    await handler.handle(booking);
    expect(published).toEqual([expect.any(BookingFailed_v1)]);
    expect(published[0]).toMatchObject({
      booking_id: booking.booking_id,
      failure_reason: 'DeadNation bookTickets: 422 event off sale',
    });
  });

  it.each([500, 503, 429, 408])('throws on %i, to be retried, and fails nothing', async (s) => {
    const { handler, published } = handlerWhoseCallFails(answer(s));
    await expect(handler.handle(booking)).rejects.toThrow(GatewayError);
    expect(published).toEqual([]);
  });
});
