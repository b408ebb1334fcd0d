import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { sleep } from '../../bench/support/processes';
import { Cluster } from './cluster';
import { Rng } from './rng';

export interface BookingAttempt {
  /** Date.now() when sent, and the answer's time after that (ms). */
  sentAt: number;
  ms: number;
  api: string;
  /** HTTP status, or 0 when no answer came (refused, reset, timed out). */
  status: number;
  bookingId?: string;
  showId: string;
  tickets: number;
}

/** What a VIP bundle is set up to meet: a plain trip, or a step that must fail and undo. */
export type VipPlan = 'plain' | 'hot-show' | 'inbound-sold-out' | 'return-sold-out';

export interface VipAttempt {
  sentAt: number;
  ms: number;
  api: string;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  vipBundleId?: string;
  showId: string;
  tickets: number;
  plan: VipPlan;
  /** Unique per bundle sent: finds a bundle stored although its answer was lost. */
  email: string;
}

export interface Show {
  id: string;
  capacity: number;
  /** Nearly sold out: few seats, and a good share of the load. */
  hot: boolean;
}

/** A webhook as the simulator recorded it (`GET /_sim/webhooks`). */
interface SimWebhook {
  idempotency_key: string;
  outcome: string;
  body: unknown;
}

/** The refunds asked for: a ticket is in `asked` once an api answered 202. */
export interface RefundLedger {
  asked: Set<string>;
  /** Sent, no 202 seen (no answer): it may or may not have been taken. */
  uncertain: Set<string>;
  puts: number;
  statuses: Record<string, number>;
}

/**
 * The customers and Dead Nation's replays, open-loop: bookings at a steady rate whatever the
 * answers (a slow system gets the same arrivals, not fewer), refunds asked twice (once to each
 * api, at once), delivered webhooks sent again with their key and a fresh signature.
 */
export class Load {
  readonly bookings: BookingAttempt[] = [];
  readonly refunds: RefundLedger = {
    asked: new Set(),
    uncertain: new Set(),
    puts: 0,
    statuses: {},
  };
  readonly replays: Record<string, number> = {};
  readonly vipBundles: VipAttempt[] = [];
  /** Taxi outages the load caused (Transportation answering 409 "no taxi"): [start, end] ms. */
  readonly taxiOutages: Array<[number, number]> = [];
  /** Flights Transportation calls sold out for the whole run: a bundle on one fails there. */
  readonly soldOutFlights = [randomUUID(), randomUUID()];
  shows: Show[] = [];
  private readonly db: Pool;
  private readonly signer: Webhook;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly cluster: Cluster,
    private readonly seed: number,
  ) {
    this.db = new Pool({ connectionString: cluster.postgresUrl, max: 2 });
    this.db.on('error', () => undefined); // PostgreSQL restarted under it: the next query reconnects
    this.signer = new Webhook(cluster.secrets.webhookSecret);
  }

  private get staff(): Record<string, string> {
    return { authorization: `Bearer ${this.cluster.secrets.adminToken}` };
  }

  /** `count` shows, `hot` of them with `hotSeats` seats each, the rest with plenty. */
  async createShows(count: number, hot: number, hotSeats: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const capacity = i < hot ? hotSeats : 100_000;
      const res = await fetch(`${this.cluster.apis[0].url}/api/shows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.staff },
        body: JSON.stringify({
          dead_nation_id: randomUUID(),
          number_of_tickets: capacity,
          start_time: '2030-05-01T20:00:00Z',
          title: `Chaos ${i}`,
          venue: 'Soak Hall',
        }),
      });
      if (res.status !== 201) throw new Error(`POST /api/shows: ${res.status} ${await res.text()}`);
      const { show_id } = (await res.json()) as { show_id: string };
      this.shows.push({ id: show_id, capacity, hot: i < hot });
    }
  }

  /** Bookings at `rate` per second until `untilMs` (Date.now()), a third of them on hot shows. */
  async book(rate: number, untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 7 + 1);
    const hot = this.shows.filter((s) => s.hot);
    const plenty = this.shows.filter((s) => !s.hot);
    const t0 = Date.now();
    let sent = 0;
    while (Date.now() < untilMs) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      for (; sent < due; sent++) {
        const show = rng.chance(1 / 3) ? rng.pick(hot) : rng.pick(plenty);
        const apis = this.cluster.apis;
        const [api, other] = [apis[sent % apis.length], apis[(sent + 1) % apis.length]];
        this.track(this.bookOne([api, other], show.id, rng.int(1, 3), sent));
      }
      await sleep(10);
    }
  }

  /**
   * One booking, to the first api or, when it refuses the connection, to the other (`post`).
   */
  private async bookOne(
    apis: Array<{ name: string; url: string }>,
    showId: string,
    tickets: number,
    n: number,
  ): Promise<void> {
    const attempt: BookingAttempt = {
      sentAt: Date.now(),
      ms: 0,
      api: apis[0].name,
      status: 0,
      showId,
      tickets,
    };
    this.bookings.push(attempt);
    const body = {
      show_id: showId,
      number_of_tickets: tickets,
      customer_email: `customer${n}@example.com`,
    };
    const answer = await this.post(apis, '/api/book-tickets', body, attempt);
    if (attempt.status === 201) attempt.bookingId = answer.booking_id;
  }

  /**
   * POSTs to the first api, or to the other when the first refuses the connection (as a load
   * balancer does: nothing was sent, so nothing can be taken twice). A request sent and not
   * answered is not sent again. Records the api, status and time on `attempt`; the answer's body.
   */
  private async post(
    apis: Array<{ name: string; url: string }>,
    path: string,
    body: object,
    attempt: { api: string; status: number; ms: number },
  ): Promise<Record<string, string | undefined>> {
    const started = performance.now();
    let answer = {};
    for (const api of apis) {
      attempt.api = api.name;
      try {
        const res = await fetch(`${api.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        attempt.status = res.status;
        answer = await res.json().catch(() => ({}));
        break;
      } catch (e) {
        attempt.status = 0;
        if ((e as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') break;
      }
    }
    attempt.ms = performance.now() - started;
    return answer;
  }

  /** Transportation as the VIP load needs it: two flights sold out, taxis available. */
  async prepareTransportation(): Promise<void> {
    await this.transportation({ sold_out_flight_ids: this.soldOutFlights, taxis_available: true });
  }

  /**
   * VIP bundles, open-loop, one every `everyMs[0]`-`everyMs[1]` ms until `untilMs`, alternately
   * on api-1 and api-2: most plain (each trip on flights of its own, never full), a fifth on the
   * nearly sold-out shows (they fail at the show booking once those sell out), a tenth each on a
   * sold-out inbound or return flight (they fail there and undo what they booked). Taxi outages
   * (withholdTaxis) fail others at the last step, with both flights to cancel.
   */
  async bookVip(everyMs: [number, number], untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 7 + 4);
    const hot = this.shows.filter((s) => s.hot);
    const plenty = this.shows.filter((s) => !s.hot);
    for (let n = 0; ; n++) {
      await sleep(rng.int(...everyMs));
      if (Date.now() >= untilMs) return;
      const r = rng.float();
      const plan: VipPlan =
        r < 0.2 ? 'hot-show' : r < 0.3 ? 'inbound-sold-out' : r < 0.4 ? 'return-sold-out' : 'plain';
      const show = plan === 'hot-show' ? rng.pick(hot) : rng.pick(plenty);
      const tickets = rng.int(1, 3);
      const passengers = Array.from(
        { length: rng.int(1, tickets) },
        (_, i) => `Passenger ${n}-${i + 1}`,
      );
      const body = {
        customer_email: `vip${n}@example.com`,
        show_id: show.id,
        number_of_tickets: tickets,
        passengers,
        inbound_flight_id:
          plan === 'inbound-sold-out' ? rng.pick(this.soldOutFlights) : randomUUID(),
        return_flight_id: plan === 'return-sold-out' ? rng.pick(this.soldOutFlights) : randomUUID(),
      };
      const apis = this.cluster.apis;
      const attempt: VipAttempt = {
        sentAt: Date.now(),
        ms: 0,
        api: apis[n % apis.length].name,
        status: 0,
        showId: show.id,
        tickets,
        plan,
        email: body.customer_email,
      };
      this.vipBundles.push(attempt);
      const both = [apis[n % apis.length], apis[(n + 1) % apis.length]];
      this.track(
        this.post(both, '/api/book-vip-bundle', body, attempt).then((answer) => {
          if (attempt.status === 201) attempt.vipBundleId = answer.vip_bundle_id;
        }),
      );
    }
  }

  /**
   * Now and then no taxi is to be had (Transportation answers 409) for 6-10 s, seeded: bundles
   * reaching their last step then fail with both flights booked. Taxis are back at `untilMs`.
   */
  async withholdTaxis(t0: number, untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 7 + 5);
    while (Date.now() < untilMs) {
      await sleep(rng.int(30_000, 60_000));
      if (Date.now() >= untilMs) return;
      const ms = rng.int(6000, 10_000);
      const start = Date.now() - t0;
      await this.transportation({ taxis_available: false }).catch(() => undefined);
      await sleep(Math.min(ms, Math.max(0, untilMs - Date.now())));
      await this.transportation({ taxis_available: true });
      this.taxiOutages.push([start, Date.now() - t0]);
    }
  }

  private async transportation(settings: object): Promise<void> {
    const res = await fetch(`${this.cluster.sim.url}/_sim/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transportation: settings }),
    });
    if (!res.ok) throw new Error(`POST /_sim/config: ${res.status} ${await res.text()}`);
  }

  /**
   * Every `everyMs`, asks for the refund of one or two confirmed tickets, each twice at once
   * (api-1 and api-2): about `share` of the tickets in all.
   */
  async refund(everyMs: number, untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 7 + 2);
    const retry = new Set<string>();
    while (Date.now() < untilMs) {
      await sleep(everyMs);
      let picks = [...retry];
      try {
        const { rows } = await this.db.query<{ id: string }>(
          `SELECT ticket_id::text AS id FROM tickets WHERE deleted_at IS NULL
            ORDER BY ticket_id DESC LIMIT 200`,
        );
        const fresh = rows.map((r) => r.id).filter((id) => !this.refunds.asked.has(id));
        if (fresh.length) picks = [...picks, rng.pick(fresh)];
        if (fresh.length && rng.chance(0.5)) picks.push(rng.pick(fresh));
      } catch {
        // PostgreSQL down for the moment: ask again later
      }
      for (const ticket of new Set(picks)) {
        retry.delete(ticket);
        this.track(this.refundTwice(ticket, retry));
      }
    }
  }

  private async refundTwice(ticket: string, retry: Set<string>): Promise<void> {
    this.refunds.uncertain.add(ticket);
    const statuses = await Promise.all(
      this.cluster.apis.map(async (api) => {
        this.refunds.puts++;
        try {
          const res = await fetch(`${api.url}/api/ticket-refund/${ticket}`, {
            method: 'PUT',
            headers: this.staff,
            signal: AbortSignal.timeout(15_000),
          });
          return res.status;
        } catch {
          return 0;
        }
      }),
    );
    for (const s of statuses) this.refunds.statuses[s] = (this.refunds.statuses[s] ?? 0) + 1;
    if (statuses.includes(202)) {
      this.refunds.asked.add(ticket);
      this.refunds.uncertain.delete(ticket);
    } else {
      retry.add(ticket); // until some api takes it
    }
  }

  /** Every `everyMs`, sends `count` delivered webhooks again (same key, fresh signature). */
  async replayWebhooks(everyMs: number, count: number, untilMs: number): Promise<void> {
    const rng = new Rng(this.seed * 7 + 3);
    while (Date.now() < untilMs) {
      await sleep(everyMs);
      const delivered = (await this.webhooks().catch(() => [])).filter(
        (w) => w.outcome === 'delivered',
      );
      for (let i = 0; i < count && delivered.length; i++) {
        const status = await this.sendWebhook(rng.pick(delivered), 0, rng.pick(this.cluster.apis));
        this.replays[status] = (this.replays[status] ?? 0) + 1;
      }
    }
  }

  /** A delivered webhook sent again with its timestamp `skewMs` off: the answer's status. */
  async skewedWebhook(skewMs: number, rng: Rng): Promise<number | undefined> {
    const delivered = (await this.webhooks().catch(() => [])).filter(
      (w) => w.outcome === 'delivered',
    );
    if (!delivered.length) return undefined;
    return this.sendWebhook(rng.pick(delivered), skewMs, this.cluster.apis[0]);
  }

  async webhooks(): Promise<SimWebhook[]> {
    const res = await fetch(`${this.cluster.sim.url}/_sim/webhooks`);
    return (await res.json()) as SimWebhook[];
  }

  private async sendWebhook(
    webhook: SimWebhook,
    skewMs: number,
    api: { url: string },
  ): Promise<number> {
    const payload = JSON.stringify(webhook.body);
    const at = new Date(Date.now() + skewMs);
    const key = webhook.idempotency_key;
    try {
      const res = await fetch(`${api.url}/api/tickets-status`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          'webhook-id': key,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': this.signer.sign(key, at, payload),
        },
        body: payload,
        signal: AbortSignal.timeout(15_000),
      });
      return res.status;
    } catch {
      return 0;
    }
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Waits for every request still out. */
  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  async close(): Promise<void> {
    await this.db.end().catch(() => undefined);
  }
}
