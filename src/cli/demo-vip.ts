import { randomUUID } from 'node:crypto';
import { AxiosInstance } from 'axios';
import type { VipBundleView } from '../vip-bundles/vip-bundle.state';

/** What the demo's two walks share: the two HTTP clients, the clock and the printer. */
export interface DemoContext {
  app: AxiosInstance;
  gateway: AxiosInstance;
  say: (line: string) => void;
  waitFor: <T>(what: string, check: () => Promise<T | undefined | false>) => Promise<T>;
  createShow: (seats: number) => Promise<string>;
}

const after = (from: number, at: string | null | undefined) =>
  at ? `+${Math.max(0, Date.parse(at) - from)} ms` : '';

/**
 * `npm run demo -- vip`: two VIP bundles (spec §8) on a running system, one that succeeds and
 * one whose taxi fails, each step printed with its time after the POST (the bundle's own times,
 * and the simulator's for the compensation).
 */
export async function vipDemo(ctx: DemoContext): Promise<void> {
  const { say } = ctx;
  const showId = await ctx.createShow(10);
  say(`Created a show with 10 seats: ${showId}.`);

  say('Bundle 1: two passengers, flights with seats, a taxi available.');
  await walk(ctx, showId);

  await ctx.gateway.post('/_sim/config', { transportation: { taxis_available: false } });
  say('Bundle 2: the simulator has no taxi now (POST /_sim/config), so the last step fails.');
  try {
    await walk(ctx, showId);
  } finally {
    await ctx.gateway.post('/_sim/config', { transportation: { taxis_available: true } });
  }
}

async function walk(ctx: DemoContext, showId: string): Promise<void> {
  const { app, say, waitFor } = ctx;
  const posted = Date.now();
  const { data: ids } = await app.post('/api/book-vip-bundle', {
    customer_email: `vip-${Date.now()}@example.com`,
    show_id: showId,
    number_of_tickets: 2,
    passengers: ['Ada Lovelace', 'Charles Babbage'],
    inbound_flight_id: randomUUID(),
    return_flight_id: randomUUID(),
  });
  say(`  POST /api/book-vip-bundle → 201 in ${Date.now() - posted} ms: ${ids.vip_bundle_id}`);
  const view = async () =>
    (await app.get<VipBundleView>(`/api/vip-bundles/${ids.vip_bundle_id}`)).data;
  // Done once finalized and, if it failed, with every confirmed show ticket refunded.
  const b = await waitFor('the bundle to finish', async () => {
    const v = await view();
    const settled =
      v.ticket_ids.length === v.number_of_tickets &&
      (v.status === 'succeeded' || v.refunded_ticket_ids.length === v.ticket_ids.length);
    return v.finalized_at !== null && settled && v;
  });
  const t = (at: string | null) => after(posted, at).padStart(9);
  say(`${t(b.booking_made_at)}  show tickets booked (BookShowTickets → BookingMade_v1)`);
  if (b.inbound_flight_booked_at)
    say(
      `${t(b.inbound_flight_booked_at)}  inbound flight booked: ${b.inbound_flight_ticket_ids.length} tickets`,
    );
  if (b.return_flight_booked_at)
    say(
      `${t(b.return_flight_booked_at)}  return flight booked: ${b.return_flight_ticket_ids.length} tickets`,
    );
  if (b.taxi_booked_at) say(`${t(b.taxi_booked_at)}  taxi booked: ${b.taxi_booking_id}`);
  if (b.status === 'failed') {
    say(`${t(b.finalized_at)}  failed: ${b.failure_reason}; compensating:`);
    await compensation(ctx, b, posted);
  }
  say(`${t(b.finalized_at)}  VipBundleFinalized_v1 {success: ${b.status === 'succeeded'}}`);
  say(`  show tickets confirmed by Dead Nation: ${b.ticket_ids.length}`);
}

/** The undoing, as the simulator saw it: each flight ticket canceled, each show ticket refunded. */
async function compensation(ctx: DemoContext, b: VipBundleView, posted: number): Promise<void> {
  const { gateway, say, waitFor } = ctx;
  const flights = await waitFor('the flight cancellations', async () => {
    const { data } = await gateway.get<{ ticket_id: string; canceled_at: string | null }[]>(
      `/transportation-api/flight-tickets?reference_id=${b.vip_bundle_id}`,
    );
    return data.every((f) => f.canceled_at) && data;
  });
  const byTime = (a: string | null, b: string | null) => Date.parse(a!) - Date.parse(b!);
  for (const f of flights.sort((x, y) => byTime(x.canceled_at, y.canceled_at))) {
    say(`${after(posted, f.canceled_at).padStart(9)}    flight ticket ${f.ticket_id} canceled`);
  }
  const refunds = await waitFor('the refunds', async () => {
    const { data } =
      await gateway.get<{ payment_reference: string; refunded_at: string }[]>(
        '/payments-api/refunds',
      );
    const mine = data.filter((r) => b.ticket_ids.includes(r.payment_reference));
    return mine.length === b.ticket_ids.length && mine;
  });
  for (const r of refunds.sort((x, y) => byTime(x.refunded_at, y.refunded_at))) {
    say(
      `${after(posted, r.refunded_at).padStart(9)}    show ticket ${r.payment_reference} refunded`,
    );
  }
}
