import { Message } from '../messaging';
import { BookingsRepository } from './bookings.repository';

/** Records the statement handed to the outbox writer, and answers what the test says. */
function repositoryWith(answer: unknown[]) {
  const calls: { change: { ctes: [string, string][]; params: unknown[] }; messages: Message[] }[] =
    [];
  const queries: { sql: string; params: unknown[] }[] = [];
  const outbox = {
    changeWith: async (change: any, messages: Message[]) => {
      calls.push({ change, messages });
      return answer;
    },
  };
  const txHost = {
    tx: { query: async (sql: string, params: unknown[]) => queries.push({ sql, params }) },
  };
  return { repo: new BookingsRepository(outbox as any, txHost as any), calls, queries };
}

const booking = {
  booking_id: 'b1',
  show_id: 's1',
  number_of_tickets: 3,
  customer_email: 'ada@example.com',
};

describe('BookingsRepository', () => {
  it('books in one statement: the guarded seat update, the booking from it, and the messages', async () => {
    const { repo, calls } = repositoryWith([{ booking_id: 'b1' }]);
    const messages = [{ header: { id: 'm1' } } as Message];
    expect(await repo.addIfSeatsLeft(booking, messages)).toBe(true);
    expect(calls).toHaveLength(1);
    const [{ change, messages: sent }] = calls;
    expect(sent).toBe(messages);
    expect(change.params).toEqual(['b1', 's1', 3, 'ada@example.com']);
    const [[seatsName, seats], [bookingName, insert]] = change.ctes;
    expect(seatsName).toBe('seats');
    // The guard that makes overbooking impossible: the seats are taken only if they are left.
    expect(seats).toMatch(/UPDATE show_seats SET seats_booked = seats_booked \+ \$3::int/);
    expect(seats).toMatch(/WHERE show_id = \$2 AND seats_booked::bigint \+ \$3::int <= capacity/);
    expect(seats).toMatch(/RETURNING show_id/);
    // The booking exists only if the seats were taken (selected from the update's row).
    expect(bookingName).toBe('booking');
    expect(insert).toMatch(
      /INSERT INTO bookings .* SELECT \$1, show_id, \$3::int, \$4 FROM seats/s,
    );
  });

  it('answers false when the guard took no seats (no row back): the messages are not written', async () => {
    const { repo } = repositoryWith([]);
    expect(await repo.addIfSeatsLeft(booking, [])).toBe(false);
  });

  it('gives the seats of a failed booking back in one statement guarded by the failure row', async () => {
    const { repo, queries } = repositoryWith([]);
    await repo.recordFailure('b1', 'sold out at Dead Nation');
    expect(queries).toHaveLength(1);
    const [{ sql, params }] = queries;
    expect(params).toEqual(['b1', 'sold out at Dead Nation']);
    // Only the first failure inserts its row, and only that row releases the seats.
    expect(sql).toMatch(/ON CONFLICT \(booking_id\) DO NOTHING\s+RETURNING booking_id/);
    expect(sql).toMatch(/FROM failure f JOIN bookings b ON b.booking_id = f.booking_id/);
    expect(sql).toMatch(/seats_booked = s.seats_booked - b.number_of_tickets/);
  });
});
