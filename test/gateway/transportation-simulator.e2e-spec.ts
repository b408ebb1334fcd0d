import { randomUUID } from 'node:crypto';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { rawCalls } from '../support/sim-calls';
import { http, UUID } from './support';

const flightBooking = (overrides: Record<string, unknown> = {}) => ({
  customer_email: 'ann@example.com',
  flight_id: randomUUID(),
  passenger_names: ['Ann', 'Bob'],
  reference_id: randomUUID(),
  idempotency_key: randomUUID(),
  ...overrides,
});
const taxiBooking = (overrides: Record<string, unknown> = {}) => ({
  customer_email: 'ann@example.com',
  number_of_passengers: 2,
  passenger_name: 'Ann',
  reference_id: randomUUID(),
  idempotency_key: randomUUID(),
  ...overrides,
});

/** The Transportation service of spec §8, over real HTTP. */
describe('gateway simulator: Transportation', () => {
  let sim: RunningSimulator;
  const api = (path: string) => `${sim.url}/transportation-api${path}`;
  const bookFlight = (body: object) => http.put(api('/flight-tickets'), body);
  const bookTaxi = (body: object) => http.put(api('/taxi-booking'), body);
  const tickets = async (query = '') => (await http.get(api(`/flight-tickets${query}`))).data;

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false }, timeout_hold_ms: 200 });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await http.post(`${sim.url}/_sim/reset`);
  });

  describe('flights', () => {
    it('issues one ticket per passenger and reads them back', async () => {
      const b = flightBooking();
      const answer = await bookFlight(b);
      expect(answer.status).toBe(201);
      expect(answer.data).toEqual({ ticket_ids: [expect.any(String), expect.any(String)] });
      const ids: string[] = answer.data.ticket_ids;
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(2);

      expect(await tickets()).toEqual(
        ['Ann', 'Bob'].map((passenger_name, i) => ({
          ticket_id: ids[i],
          flight_id: b.flight_id,
          passenger_name,
          customer_email: b.customer_email,
          reference_id: b.reference_id,
          idempotency_key: b.idempotency_key,
          booked_at: expect.any(String),
          canceled_at: null,
        })),
      );
      expect(await tickets(`?reference_id=${b.reference_id}`)).toHaveLength(2);
      expect(await tickets(`?reference_id=${randomUUID()}`)).toEqual([]);
    });

    it('answers a repeated idempotency_key with the first ticket ids and books nothing more', async () => {
      const b = flightBooking();
      const first = await bookFlight(b);
      const again = await bookFlight(b);
      // Even a changed body: the key names the call, as with every keyed API here.
      const changed = await bookFlight({ ...b, passenger_names: ['Cid'] });
      expect([first.status, again.status, changed.status]).toEqual([201, 201, 201]);
      expect(again.data).toEqual(first.data);
      expect(changed.data).toEqual(first.data);
      expect(await tickets()).toHaveLength(2);

      const calls = (await rawCalls(sim)).filter(
        (c) => c.endpoint === 'PUT /transportation-api/flight-tickets',
      );
      expect(calls).toEqual([
        {
          service: 'transportation',
          endpoint: 'PUT /transportation-api/flight-tickets',
          key: b.idempotency_key,
          calls: 3,
          answered: 3,
        },
      ]);
    });

    it('answers 409 when the flight has too few seats, and a cancellation frees a seat', async () => {
      sim.configure({ transportation: { seats_per_flight: 3 } });
      const flight_id = randomUUID();
      const first = await bookFlight(flightBooking({ flight_id }));
      expect(first.status).toBe(201);

      const tooMany = flightBooking({ flight_id });
      const refused = await bookFlight(tooMany);
      expect(refused.status).toBe(409);
      expect(refused.data.error).toMatch(/1 seats left, 2 asked/);
      // Another flight has its own seats.
      expect((await bookFlight(flightBooking())).status).toBe(201);

      expect((await http.delete(api(`/flight-tickets/${first.data.ticket_ids[0]}`))).status).toBe(
        204,
      );
      const fits = await bookFlight(flightBooking({ flight_id }));
      expect(fits.status).toBe(201);
      expect((await tickets()).filter((t: FlightTicket) => t.canceled_at === null)).toHaveLength(5);

      // The refused key keeps its first answer, though a seat is free now.
      expect((await bookFlight(tooMany)).status).toBe(409);
    });

    it('sells a flight out through /_sim/config, and back on sale', async () => {
      const flight_id = randomUUID();
      const config = await http.post(`${sim.url}/_sim/config`, {
        transportation: { sold_out_flight_ids: [flight_id.toUpperCase()] },
      });
      expect(config.status).toBe(200);
      expect(config.data.transportation).toEqual({
        seats_per_flight: 100,
        sold_out_flight_ids: [flight_id],
        taxis_available: true,
      });
      expect((await bookFlight(flightBooking({ flight_id }))).status).toBe(409);
      expect((await bookFlight(flightBooking())).status).toBe(201);

      await http.post(`${sim.url}/_sim/config`, { transportation: { sold_out_flight_ids: [] } });
      expect((await bookFlight(flightBooking({ flight_id }))).status).toBe(201);
    });

    it('cancels a ticket once: 204 again when already canceled, 404 for a ticket never issued', async () => {
      const { data } = await bookFlight(flightBooking({ passenger_names: ['Ann'] }));
      const id = data.ticket_ids[0];
      const first = await http.delete(api(`/flight-tickets/${id}`));
      const [canceled] = await tickets();
      const again = await http.delete(api(`/flight-tickets/${id}`));
      expect([first.status, again.status]).toEqual([204, 204]);
      expect(canceled.canceled_at).toEqual(expect.any(String));
      expect((await tickets())[0].canceled_at).toBe(canceled.canceled_at);

      expect((await http.delete(api(`/flight-tickets/${randomUUID()}`))).status).toBe(404);
      const notUuid = await http.delete(api('/flight-tickets/nope'));
      expect(notUuid.status).toBe(400);
      expect(notUuid.data).toEqual({ error: 'ticket_id must be a UUID' });
    });

    it.each([
      [{ flight_id: 'x' }, 'flight_id must be a UUID'],
      [{ passenger_names: [] }, 'passenger_names must not be empty'],
      [{ passenger_names: ['Ann', ' '] }, 'passenger_names must hold non-empty names'],
      [{ passenger_names: 'Ann' }, 'passenger_names must be an array of strings'],
      [{ customer_email: undefined }, 'customer_email must be a non-empty string'],
      [{ reference_id: '' }, 'reference_id must be a non-empty string'],
      [{ idempotency_key: undefined }, 'idempotency_key must be a non-empty string'],
    ])('refuses %j with 400 naming the field, booking nothing', async (overrides, error) => {
      const answer = await bookFlight(flightBooking(overrides));
      expect(answer.status).toBe(400);
      expect(answer.data).toEqual({ error });
      expect(await tickets()).toEqual([]);
    });
  });

  describe('taxis', () => {
    it('books a taxi, answers a repeated key with the first booking, and reads it back', async () => {
      const b = taxiBooking();
      const first = await bookTaxi(b);
      const again = await bookTaxi(b);
      expect(first.status).toBe(201);
      expect(first.data).toEqual({ booking_id: expect.stringMatching(UUID) });
      expect(again.status).toBe(201);
      expect(again.data).toEqual(first.data);

      const { data } = await http.get(api('/taxi-bookings'));
      expect(data).toEqual([
        {
          booking_id: first.data.booking_id,
          ...b,
          booked_at: expect.any(String),
          canceled_at: null,
        },
      ]);
      expect((await http.get(api(`/taxi-bookings?reference_id=${randomUUID()}`))).data).toEqual([]);
    });

    it('answers 409 while taxis are unavailable (/_sim/config), keeping that answer for the key', async () => {
      await http.post(`${sim.url}/_sim/config`, { transportation: { taxis_available: false } });
      const b = taxiBooking();
      const refused = await bookTaxi(b);
      expect(refused.status).toBe(409);
      expect(refused.data).toEqual({ error: 'no taxi available' });

      await http.post(`${sim.url}/_sim/config`, { transportation: { taxis_available: true } });
      expect((await bookTaxi(b)).status).toBe(409);
      expect((await bookTaxi(taxiBooking())).status).toBe(201);
      expect((await http.get(api('/taxi-bookings'))).data).toHaveLength(1);
    });

    it('cancels a taxi booking (204, again 204), 404 for an unknown one', async () => {
      const { data } = await bookTaxi(taxiBooking());
      expect((await http.delete(api(`/taxi-booking/${data.booking_id}`))).status).toBe(204);
      expect((await http.delete(api(`/taxi-booking/${data.booking_id}`))).status).toBe(204);
      const [booking] = (await http.get(api('/taxi-bookings'))).data;
      expect(booking.canceled_at).toEqual(expect.any(String));
      expect((await http.delete(api(`/taxi-booking/${randomUUID()}`))).status).toBe(404);
    });

    it.each([
      [{ number_of_passengers: 0 }, 'number_of_passengers must be an integer from 1 to 100'],
      [{ passenger_name: '' }, 'passenger_name must be a non-empty string'],
      [{ idempotency_key: 7 }, 'idempotency_key must be a non-empty string'],
    ])('refuses %j with 400 naming the field', async (overrides, error) => {
      const answer = await bookTaxi(taxiBooking(overrides));
      expect(answer.status).toBe(400);
      expect(answer.data).toEqual({ error });
      expect((await http.get(api('/taxi-bookings'))).data).toEqual([]);
    });
  });

  it('refuses an invalid transportation setting naming it, and changes nothing', async () => {
    for (const [patch, error] of [
      [{ sold_out_flight_ids: ['x'] }, 'transportation.sold_out_flight_ids must hold UUIDs only'],
      [{ taxis_available: 'no' }, 'transportation.taxis_available must be true or false'],
      [{ seats: 3 }, 'transportation.seats is not a known setting'],
    ] as const) {
      const answer = await http.post(`${sim.url}/_sim/config`, { transportation: patch });
      expect(answer.status).toBe(400);
      expect(answer.data.error).toMatch(new RegExp(`^${error}`));
    }
    expect((await http.get(`${sim.url}/_sim/config`)).data.transportation).toEqual({
      seats_per_flight: 100,
      sold_out_flight_ids: [],
      taxis_available: true,
    });
  });

  it('has its own faults: a 500 without after_effect books nothing, with it the key answers the first tickets', async () => {
    sim.configure({ faults: { transportation: { fail_next: 1 } } });
    const b = flightBooking();
    expect((await bookFlight(b)).status).toBe(500);
    expect(await tickets()).toEqual([]);
    expect(
      (
        await http.put(`${sim.url}/receipts-api/receipts`, {
          ticket_id: randomUUID(),
          price: { money_amount: '1.00', money_currency: 'EUR' },
        })
      ).status,
    ).toBe(201); // other services unaffected

    sim.configure({ faults: { transportation: { fail_next: 1, after_effect: true } } });
    expect((await bookFlight(b)).status).toBe(500);
    const booked = await tickets();
    expect(booked).toHaveLength(2);
    const retry = await bookFlight(b);
    expect(retry.status).toBe(201);
    expect(retry.data.ticket_ids).toEqual(booked.map((t: FlightTicket) => t.ticket_id));
  });
});

interface FlightTicket {
  ticket_id: string;
  canceled_at: string | null;
}
