import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { startWiredJourney, stopJourney } from '../support/journey';
import { settled } from '../support/settled';
import { TestEnv } from '../support/test-env';
import {
  bookBundle,
  bundleRequest,
  effects,
  finalizations,
  finished,
  inOrder,
  once,
  timeline,
} from './support';

/**
 * Spec §8: the VIP bundle's success path and each of its four failure points, against the
 * simulator (Dead Nation confirms the show tickets, twice, as the real one does), with every
 * external effect counted from the simulator's raw calls once the app is at rest.
 */
describe('VIP bundles: success and compensation (spec §8)', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(
    async () => ({ sim, url } = await startWiredJourney(env, { webhook: { delay_ms: 10 } })),
  );
  afterAll(() => stopJourney(env, sim));

  it('succeeds: show tickets, inbound flight, return flight, taxi, each booked once, finalized once', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    const { vip_bundle_id, booking_id } = await bookBundle(url, bundleRequest(show_id));
    const b = await finished(env, url, vip_bundle_id, { confirmed: 2 });

    expect(b).toMatchObject({
      vip_bundle_id,
      booking_id,
      status: 'succeeded',
      failure_reason: null,
    });
    expect(b.inbound_flight_ticket_ids).toHaveLength(2);
    expect(b.return_flight_ticket_ids).toHaveLength(2);
    expect(b.taxi_booking_id).not.toBeNull();
    expect(b.refunded_ticket_ids).toEqual([]);
    expect(b.canceled_flight_ticket_ids).toEqual([]);
    expect(await timeline(env, b)).toEqual([
      'VipBundleInitialized_v1',
      'BookShowTickets',
      'BookingMade_v1',
      'BookFlight',
      'FlightBooked_v1',
      'BookFlight',
      'FlightBooked_v1',
      'BookTaxi',
      'TaxiBooked_v1',
      'VipBundleFinalized_v1',
    ]);
    // The times tell the same order.
    const times = [
      b.initialized_at,
      b.booking_made_at,
      b.inbound_flight_booked_at,
      b.return_flight_booked_at,
      b.taxi_booked_at,
      b.finalized_at,
    ].map((t) => Date.parse(t!));
    expect([...times].sort((x, y) => x - y)).toEqual(times);

    const e = await effects(sim, b);
    expect(e.flightBookings).toEqual({
      [`vip-bundle:${vip_bundle_id}:book-flight:inbound`]: 1,
      [`vip-bundle:${vip_bundle_id}:book-flight:return`]: 1,
    });
    expect(e.taxiBookings).toEqual({ [`vip-bundle:${vip_bundle_id}:book-taxi`]: 1 });
    expect(e.seatsHeld).toEqual({ inbound: 2, return: 2 });
    expect(e.taxisHeld).toBe(1);
    expect(e.flightCancels).toEqual({});
    expect(e.refunds).toEqual({});
    expect(await finalizations(env, vip_bundle_id)).toEqual([true]);
    // The show booking is an ordinary booking: one Dead Nation booking, seats taken.
    const [seats] = await env.query(`SELECT seats_booked FROM show_seats WHERE show_id = $1`, [
      show_id,
    ]);
    expect(seats.seats_booked).toBe(2);
  });

  it('fails at the show booking (too few seats): nothing booked, nothing to undo', async () => {
    const show_id = await createShow(url, { number_of_tickets: 1 });
    const { vip_bundle_id } = await bookBundle(url, bundleRequest(show_id));
    const b = await finished(env, url, vip_bundle_id, { confirmed: 0 });

    expect(b.status).toBe('failed');
    expect(b.failure_reason).toBe('show tickets: not enough seats available');
    expect(await timeline(env, b)).toEqual([
      'VipBundleInitialized_v1',
      'BookShowTickets',
      'BookingFailed_v1',
      'VipBundleFinalized_v1',
    ]);
    const e = await effects(sim, b);
    expect(e.flightBookings).toEqual({});
    expect(e.taxiBookings).toEqual({});
    expect(e.refunds).toEqual({});
    expect(await finalizations(env, vip_bundle_id)).toEqual([false]);
    const [seats] = await env.query(`SELECT seats_booked FROM show_seats WHERE show_id = $1`, [
      show_id,
    ]);
    expect(seats.seats_booked).toBe(0);
  });

  it('fails at the inbound flight: every show ticket refunded once, nothing booked after', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    const inbound_flight_id = randomUUID();
    sim.configure({ transportation: { sold_out_flight_ids: [inbound_flight_id] } });
    const { vip_bundle_id } = await bookBundle(
      url,
      bundleRequest(show_id, { inbound_flight_id, number_of_tickets: 3 }),
    );
    const b = await finished(env, url, vip_bundle_id, { confirmed: 3 });

    expect(b.status).toBe('failed');
    expect(b.failure_reason).toMatch(/^inbound flight: /);
    const names = await timeline(env, b);
    expect(
      inOrder(names, [
        'BookingMade_v1',
        'BookFlight',
        'FlightBookingFailed_v1',
        'VipBundleFinalized_v1',
      ]),
    ).toBe(true);
    expect(names.filter((n) => n === 'BookFlight')).toHaveLength(1);
    expect(names).not.toContain('BookTaxi');
    const afterFailure = names.slice(names.indexOf('FlightBookingFailed_v1'));
    expect(afterFailure.filter((n) => n === 'RefundTicket')).toHaveLength(3);

    const e = await effects(sim, b);
    expect(e.flightBookings).toEqual({ [`vip-bundle:${vip_bundle_id}:book-flight:inbound`]: 1 });
    expect(e.taxiBookings).toEqual({});
    expect(e.seatsHeld).toEqual({ inbound: 0, return: 0 });
    expect(e.refunds).toEqual(once(b.ticket_ids));
    expect([...b.refunded_ticket_ids].sort()).toEqual([...b.ticket_ids].sort());
    expect(await finalizations(env, vip_bundle_id)).toEqual([false]);
  });

  it('fails at the return flight: inbound canceled once, show tickets refunded once', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    const return_flight_id = randomUUID();
    sim.configure({ transportation: { sold_out_flight_ids: [return_flight_id] } });
    const { vip_bundle_id } = await bookBundle(url, bundleRequest(show_id, { return_flight_id }));
    const b = await finished(env, url, vip_bundle_id, { confirmed: 2 });

    expect(b.status).toBe('failed');
    expect(b.failure_reason).toMatch(/^return flight: /);
    const names = await timeline(env, b);
    expect(
      inOrder(names, [
        'FlightBooked_v1',
        'BookFlight',
        'FlightBookingFailed_v1',
        'CancelFlightTickets',
        'VipBundleFinalized_v1',
      ]),
    ).toBe(true);
    expect(names).not.toContain('BookTaxi');
    expect(names.filter((n) => n === 'CancelFlightTickets')).toHaveLength(1);

    const e = await effects(sim, b);
    expect(e.flightBookings).toEqual({
      [`vip-bundle:${vip_bundle_id}:book-flight:inbound`]: 1,
      [`vip-bundle:${vip_bundle_id}:book-flight:return`]: 1,
    });
    expect(e.taxiBookings).toEqual({});
    expect(e.flightCancels).toEqual(once(b.inbound_flight_ticket_ids));
    expect(e.seatsHeld).toEqual({ inbound: 0, return: 0 });
    expect(b.canceled_flight_ticket_ids).toEqual(b.inbound_flight_ticket_ids);
    expect(e.refunds).toEqual(once(b.ticket_ids));
    expect(await finalizations(env, vip_bundle_id)).toEqual([false]);
  });

  it('fails at the taxi: both flights canceled once, show tickets refunded once', async () => {
    const show_id = await createShow(url, { number_of_tickets: 10 });
    sim.configure({ transportation: { taxis_available: false } });
    try {
      const { vip_bundle_id } = await bookBundle(url, bundleRequest(show_id));
      const b = await finished(env, url, vip_bundle_id, { confirmed: 2 });

      expect(b.status).toBe('failed');
      expect(b.failure_reason).toBe('taxi: no taxi available');
      const names = await timeline(env, b);
      expect(
        inOrder(names, [
          'BookTaxi',
          'TaxiBookingFailed_v1',
          'CancelFlightTickets',
          'VipBundleFinalized_v1',
        ]),
      ).toBe(true);
      expect(names.filter((n) => n === 'CancelFlightTickets')).toHaveLength(2);

      const e = await effects(sim, b);
      expect(e.taxiBookings).toEqual({ [`vip-bundle:${vip_bundle_id}:book-taxi`]: 1 });
      expect(e.taxisHeld).toBe(0);
      const flightTickets = [...b.inbound_flight_ticket_ids, ...b.return_flight_ticket_ids];
      expect(e.flightCancels).toEqual(once(flightTickets));
      expect(e.seatsHeld).toEqual({ inbound: 0, return: 0 });
      expect(e.refunds).toEqual(once(b.ticket_ids));
      expect(await finalizations(env, vip_bundle_id)).toEqual([false]);
    } finally {
      sim.configure({ transportation: { taxis_available: true } });
    }
  });

  describe('bad input', () => {
    const valid = () => bundleRequest(randomUUID());

    it.each([
      ['no passengers', { passengers: [] }, 'passengers'],
      ['an empty name', { passengers: ['Ada', ''] }, 'passengers'],
      ['more passengers than tickets', { number_of_tickets: 1 }, 'passengers'],
      ['zero tickets', { number_of_tickets: 0 }, 'number_of_tickets'],
      ['a bad email', { customer_email: 'nope' }, 'customer_email'],
      ['a bad flight id', { inbound_flight_id: 'x' }, 'inbound_flight_id'],
      ['a missing return flight', { return_flight_id: undefined }, 'return_flight_id'],
      ['an unknown field', { seat: 'A1' }, 'seat'],
    ])('%s: 400 naming the field, nothing written', async (_what, change, field) => {
      const before = await env.query(`SELECT count(*)::int AS n FROM vip_bundles`);
      const res = await request(url)
        .post('/api/book-vip-bundle')
        .send({ ...valid(), ...change })
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
      expect(await env.query(`SELECT count(*)::int AS n FROM vip_bundles`)).toEqual(before);
    });

    it('an unknown show: 404, nothing written', async () => {
      await settled(env);
      const [before] = await env.query(`SELECT count(*)::int AS n FROM outbox`);
      const body = valid();
      const res = await request(url).post('/api/book-vip-bundle').send(body).expect(404);
      expect(res.body.message).toContain(body.show_id);
      const [after] = await env.query(`SELECT count(*)::int AS n FROM outbox`);
      expect(after).toEqual(before);
    });

    it('an unknown bundle 404, a bad id 400', async () => {
      await request(url).get(`/api/vip-bundles/${randomUUID()}`).expect(404);
      const res = await request(url).get('/api/vip-bundles/nope').expect(400);
      expect(res.body.message).toContain('vip_bundle_id');
    });
  });
});
