import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { exited, listeningUrl, TestEnv } from '../support/test-env';
import { bookBundle, bundleRequest, effects, finalizations, finished, once } from './support';

const MAIN = 'src/main.js';

/**
 * Spec §8 under SIGKILL: the app (every role, a process of its own) kills itself at a fault point
 * inside the process, a fresh one takes over (claiming what the dead one left pending), and every
 * effect still happens once. The simulator posts no webhooks here: the show tickets' refunds
 * under redelivery are the other suites' business.
 */
describe('VIP bundles: SIGKILL inside the process, then restart (spec §8)', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  /** A bundle booked on an app that dies at `fault`, finished by the next app. */
  async function crashThenRecover(fault: string) {
    const doomed = env.spawn(MAIN, { TICKETS_FAULT: fault, GATEWAY_URL: sim.url });
    const doomedUrl = await listeningUrl(doomed);
    const show_id = await createShow(doomedUrl, { number_of_tickets: 10 });
    const { vip_bundle_id } = await bookBundle(doomedUrl, bundleRequest(show_id));
    expect(await exited(doomed)).toBe('SIGKILL');
    expect(doomed.output.join('')).toContain(`fault injected at ${fault.split(':')[0]}`);

    // The next app runs in this process (quicker to boot), and is closed before the next case.
    const { app, url } = await env.start(featureModules, { GATEWAY_URL: sim.url });
    try {
      const b = await finished(env, url, vip_bundle_id, { confirmed: 0 });
      return { b, e: await effects(sim, b), finalized: await finalizations(env, vip_bundle_id) };
    } finally {
      await app.close();
    }
  }

  const keys = (id: string) => ({
    inbound: `vip-bundle:${id}:book-flight:inbound`,
    return: `vip-bundle:${id}:book-flight:return`,
    taxi: `vip-bundle:${id}:book-taxi`,
  });

  it('after the inbound flight was booked, before FlightBooked_v1 was written: asked again, booked once', async () => {
    const { b, e, finalized } = await crashThenRecover(
      'consumer.after-handler-before-write@book_flight',
    );
    expect(b.status).toBe('succeeded');
    // Transportation was asked twice with one key, and answered the first tickets.
    expect(e.flightBookings).toEqual({
      [keys(b.vip_bundle_id).inbound]: 2,
      [keys(b.vip_bundle_id).return]: 1,
    });
    expect(e.seatsHeld).toEqual({ inbound: 2, return: 2 });
    expect(e.flightTickets).toHaveLength(4);
    expect(e.taxiBookings).toEqual(once([keys(b.vip_bundle_id).taxi]));
    expect(finalized).toEqual([true]);
  });

  it('between the state change and the next command (the return flight step): rolled back and redone once', async () => {
    // The process's third message is the inbound FlightBooked_v1 (after VipBundleInitialized_v1
    // and BookingMade_v1): its state change is written, BookFlight(return) is not yet.
    const { b, e, finalized } = await crashThenRecover(
      'saga.after-pipeline-before-commands@vip_bundle_process:3',
    );
    expect(b.status).toBe('succeeded');
    const k = keys(b.vip_bundle_id);
    expect(e.flightBookings).toEqual(once([k.inbound, k.return]));
    expect(e.taxiBookings).toEqual(once([k.taxi]));
    expect(finalized).toEqual([true]);
  });

  it('a failed taxi, killed after the flight cancellations, before they were recorded: each ticket canceled once', async () => {
    sim.configure({ transportation: { taxis_available: false } });
    try {
      const { b, e, finalized } = await crashThenRecover(
        'consumer.after-handler-before-write@cancel_flight_tickets',
      );
      expect(b.status).toBe('failed');
      expect(e.seatsHeld).toEqual({ inbound: 0, return: 0 });
      expect([...b.canceled_flight_ticket_ids].sort()).toEqual([...e.flightTickets].sort());
      const k = keys(b.vip_bundle_id);
      expect(e.flightBookings).toEqual(once([k.inbound, k.return]));
      expect(e.taxiBookings).toEqual(once([k.taxi]));
      expect(finalized).toEqual([false]);
    } finally {
      sim.configure({ transportation: { taxis_available: true } });
    }
  });
});
