import { BadRequestException, NotFoundException } from '@nestjs/common';
import { MessageRegistry } from '../../messaging';
import { BookTickets } from './book-tickets.command';
import { BookTicketsHandler } from './book-tickets.handler';

const request = { show_id: 's1', number_of_tickets: 3, customer_email: 'ada@example.com' };

function handlerWith({ seatsLeft = true, showExists = true, max = 50 }) {
  const bookings = { addIfSeatsLeft: jest.fn().mockResolvedValue(seatsLeft) };
  const shows = { exists: jest.fn().mockResolvedValue(showExists) };
  const config = { maxTicketsPerBooking: max };
  const handler = new BookTicketsHandler(bookings as any, shows as any, config as any);
  return { handler, bookings, shows };
}

describe('BookTicketsHandler', () => {
  it('books with its BookingMade_v1 in one call, and asks nothing else', async () => {
    const { handler, bookings, shows } = handlerWith({});
    const id = await handler.execute(new BookTickets(request));
    expect(bookings.addIfSeatsLeft).toHaveBeenCalledTimes(1);
    const [booking, messages] = bookings.addIfSeatsLeft.mock.calls[0];
    expect(booking).toEqual({ booking_id: id, ...request });
    expect(messages.map((m: object) => MessageRegistry.of(m).name)).toEqual(['BookingMade_v1']);
    expect(messages[0]).toMatchObject({ booking_id: id, ...request });
    expect(shows.exists).not.toHaveBeenCalled();
  });

  it('refuses more than MAX_TICKETS_PER_BOOKING seats before touching the database', async () => {
    const { handler, bookings } = handlerWith({ max: 2 });
    await expect(handler.execute(new BookTickets(request))).rejects.toThrow(
      new BadRequestException(['number_of_tickets must not be greater than 2']),
    );
    expect(bookings.addIfSeatsLeft).not.toHaveBeenCalled();
  });

  it('answers 400 when the show lacks the seats', async () => {
    const { handler } = handlerWith({ seatsLeft: false });
    await expect(handler.execute(new BookTickets(request))).rejects.toThrow(
      new BadRequestException('not enough seats available'),
    );
  });

  it('answers 404 for a show that does not exist', async () => {
    const { handler } = handlerWith({ seatsLeft: false, showExists: false });
    await expect(handler.execute(new BookTickets(request))).rejects.toThrow(
      new NotFoundException('show s1 not found'),
    );
  });
});
