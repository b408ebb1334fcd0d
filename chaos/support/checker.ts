import Redis from 'ioredis';
import { Client } from 'pg';
import { DeadLetter, DeadLetters } from '../../src/messaging/dead-letters';
import { StreamNames } from '../../src/messaging/messaging.tokens';
import { rebuildOpsReadModel } from '../../src/ops/rebuild/ops-read-model.rebuild';
import { TICKETS_TO_PRINT } from '../../src/tickets/print-list/print-list.handler';
import { ticketFileName } from '../../src/tickets/print-ticket/ticket-html';
import { CallCount, FlightTicket, TaxiBooking } from '../../simulator/simulator-state';
import { VipBundle } from '../../src/vip-bundles/vip-bundle.state';
import { groupStates } from '../../test/support/settled';
import { ENDPOINTS } from '../../test/support/sim-calls';
import { Cluster } from './cluster';
import { Load } from './load';
import { tally, Verdict, verdict } from './verdict';
import { COMPENSATIONS, compensatedTickets, VipFacts, vipVerdicts } from './vip-checker';

export type { Verdict };

/**
 * Dead letters, read every few seconds while the run goes on: Redis restarted empty loses the
 * `dead-letters` stream, so reading it only at the end could miss one.
 */
export class DeadLetterWatch {
  readonly seen = new Map<string, DeadLetter>();
  private readonly redis: Redis;
  private readonly letters: DeadLetters;

  constructor(cluster: Cluster) {
    this.redis = new Redis(`redis://${cluster.redisUrl}`, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => undefined);
    this.letters = new DeadLetters(this.redis, new StreamNames(cluster.prefix, 'tickets'));
  }

  async poll(): Promise<void> {
    try {
      for (const l of await this.letters.list(1000)) this.seen.set(`${l.group} ${l.messageId}`, l);
    } catch {
      // Redis down for the moment: the next poll reads it
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** The state at rest: what must be zero once faults stop and the system drains. */
export async function backlog(
  cluster: Cluster,
  db: Client,
  redis: Redis,
): Promise<{ unpublished: number; busyGroups: string[]; webhooksPending: number }> {
  const [{ n }] = (
    await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
    )
  ).rows;
  const groups = await groupStates({ redisClient: redis, prefix: cluster.prefix });
  const busyGroups = groups
    .filter((g) => g.pending !== 0 || g.lag !== 0)
    .map((g) => `${g.stream}/${g.group} pending ${g.pending} lag ${g.lag}`);
  const hooks = (await (await fetch(`${cluster.sim.url}/_sim/webhooks`)).json()) as {
    outcome: string;
  }[];
  return {
    unpublished: n,
    busyGroups,
    webhooksPending: hooks.filter((h) => h.outcome === 'pending').length,
  };
}

async function simGet<T>(cluster: Cluster, path: string): Promise<T> {
  const res = await fetch(`${cluster.sim.url}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * The checker: after the faults stopped and the system drained, one verdict per invariant, each
 * counted at the simulator (what the outside world saw) against the database.
 */
export async function check(
  cluster: Cluster,
  load: Load,
  db: Client,
  redis: Redis,
  deadLetters: DeadLetterWatch,
  skewed: Array<number | undefined>,
): Promise<Verdict[]> {
  const q = async <T>(sql: string) => (await db.query(sql)).rows as T[];
  const bookings = (await q<{ id: string }>('SELECT booking_id::text AS id FROM bookings')).map(
    (r) => r.id,
  );
  const tickets = await q<{ id: string; booking: string }>(
    'SELECT ticket_id::text AS id, booking_id::text AS booking FROM tickets',
  );
  const { calls } = await simGet<{ calls: CallCount[] }>(cluster, '/_sim/calls');
  const answered = (endpoint: string) =>
    new Map(calls.filter((c) => c.endpoint === endpoint).map((c) => [c.key, c.answered]));
  const out: Verdict[] = [];

  // 1. Dead Nation: each booking booked there once, none unknown, no acknowledged booking lost.
  const dnBookings = await simGet<{ booking_id: string; ticket_ids: string[] }[]>(
    cluster,
    '/dead-nation-api/bookings',
  );
  const dn = new Set(dnBookings.map((b) => b.booking_id));
  const inDb = new Set(bookings);
  const dnCalls = answered(ENDPOINTS.booking);
  const repeated = bookings.filter((b) => (dnCalls.get(b) ?? 0) > 1).length;
  const acknowledged = load.bookings.filter((b) => b.bookingId).map((b) => b.bookingId!);
  out.push(
    verdict(
      'every booking reached Dead Nation exactly once',
      [
        ...bookings.filter((b) => !dn.has(b)).map((b) => `${b}: never booked at Dead Nation`),
        ...dnBookings
          .filter((b) => !inDb.has(b.booking_id))
          .map((b) => `${b.booking_id}: booked at Dead Nation, not in the database`),
        ...acknowledged.filter((b) => !inDb.has(b)).map((b) => `${b}: answered 201, then lost`),
      ],
      `${bookings.length} bookings in the database (${acknowledged.length} answered 201), ` +
        `${dnBookings.length} at Dead Nation; raw calls answered: ` +
        `${bookings.filter((b) => dnCalls.get(b) === 1).length} once, ${repeated} more than once ` +
        `(redelivered after a crash, with the booking's own key: one booking each)`,
    ),
  );

  // 2. Each ticket: stored, one receipt, one file, one print row.
  const dnTickets = dnBookings.flatMap((b) => b.ticket_ids);
  const stored = new Set(tickets.map((t) => t.id));
  const receipts = tally(
    await simGet<{ ticket_id: string }[]>(cluster, '/receipts-api/receipts'),
    (r) => r.ticket_id,
  );
  const files = new Set((await simGet<{ files: string[] }>(cluster, '/files-api/files')).files);
  const fileCalls = answered(ENDPOINTS.file);
  const fileRepeats = tickets.filter((t) => (fileCalls.get(ticketFileName(t.id)) ?? 0) > 1).length;
  const rows = async (sheet: string) =>
    tally(
      (await simGet<{ rows: string[][] }>(cluster, `/spreadsheets-api/sheets/${sheet}/rows`)).rows,
      (r) => r[0],
    );
  const printRows = await rows(TICKETS_TO_PRINT);
  const perTicket: string[] = [];
  for (const id of dnTickets) if (!stored.has(id)) perTicket.push(`${id}: confirmed, not stored`);
  for (const { id } of tickets) {
    const r = receipts.get(id) ?? 0;
    const p = printRows.get(id) ?? 0;
    const f = files.has(ticketFileName(id)) ? 1 : 0;
    if (r !== 1 || p !== 1 || f !== 1) {
      perTicket.push(`${id}: ${r} receipts, ${f} files, ${p} print rows`);
    }
  }
  out.push(
    verdict(
      'every ticket has exactly one receipt, file and print row',
      perTicket,
      `${tickets.length} tickets stored of ${dnTickets.length} Dead Nation confirmed; ` +
        `${receipts.size} receipted, ${files.size} files, ${printRows.size} print rows ` +
        `(${fileRepeats} files uploaded again after a crash, answered "exists")`,
    ),
  );

  // 3. Refunds: each asked for happened once (money, void, sheet row); none not asked for.
  const refunds = tally(
    await simGet<{ payment_reference: string }[]>(cluster, '/payments-api/refunds'),
    (r) => r.payment_reference,
  );
  const voids = tally(
    await simGet<{ ticket_id: string }[]>(cluster, '/receipts-api/void-receipts'),
    (v) => v.ticket_id,
  );
  const recorded = new Set(
    (await q<{ id: string }>('SELECT ticket_id::text AS id FROM refunds')).map((r) => r.id),
  );
  // A failed VIP bundle refunds its show tickets as a customer would ask: expected once each.
  const vip = await vipFacts(cluster, load, q, calls, dnBookings, inDb, refunds);
  const compensated = compensatedTickets(vip);
  const asked = new Set([...load.refunds.asked, ...compensated]);
  const uncertain = load.refunds.uncertain;
  const badRefunds: string[] = [];
  for (const id of new Set([...asked, ...uncertain, ...refunds.keys(), ...voids.keys()])) {
    const n = [refunds.get(id) ?? 0, voids.get(id) ?? 0, recorded.has(id) ? 1 : 0];
    const ok = asked.has(id)
      ? n.every((x) => x === 1)
      : uncertain.has(id)
        ? n.every((x) => x === n[0] && x <= 1)
        : n.every((x) => x === 0);
    if (!ok) {
      const what = asked.has(id) ? 'asked' : uncertain.has(id) ? 'maybe asked' : 'never asked';
      badRefunds.push(
        `${id} (${what}): ${n[0]} refunds, ${n[1]} voided receipts, ${n[2]} in refunds`,
      );
    }
  }
  out.push(
    verdict(
      'every refund asked for happened exactly once',
      badRefunds,
      `${load.refunds.asked.size} refunds asked for (each twice, once per api; ${load.refunds.puts} PUTs) ` +
        `and ${compensated.size} by failed VIP bundles, ` +
        `${uncertain.size} never answered 202; ${refunds.size} refunded at Payments, ` +
        `${voids.size} receipts voided, ${recorded.size} in the refunds table`,
    ),
  );

  // VIP bundles: each finished, its trip booked at most once, a failed one undone exactly once.
  out.push(...vipVerdicts(vip, load.refunds.asked));

  // 4. No show oversold.
  const shows = await q<{ id: string; capacity: number; seats: number; booked: number; t: number }>(
    `SELECT s.show_id::text AS id, s.capacity, s.seats_booked AS seats,
            (SELECT coalesce(sum(number_of_tickets), 0)::int FROM bookings b WHERE b.show_id = s.show_id) AS booked,
            (SELECT count(*)::int FROM tickets t JOIN bookings b ON b.booking_id = t.booking_id
              WHERE b.show_id = s.show_id) AS t
       FROM show_seats s`,
  );
  const hot = load.shows.filter((s) => s.hot).map((s) => s.id);
  const soldOut = shows.filter((s) => hot.includes(s.id) && s.seats === s.capacity).length;
  out.push(
    verdict(
      'no show oversold',
      shows
        .filter((s) => s.seats > s.capacity || s.booked > s.capacity || s.t > s.capacity)
        .map(
          (s) =>
            `${s.id}: capacity ${s.capacity}, seats ${s.seats}, booked ${s.booked}, tickets ${s.t}`,
        ),
      `${shows.length} shows; ${soldOut} of ${hot.length} nearly sold out ones sold out exactly; ` +
        `${load.bookings.filter((b) => b.status === 400).length} bookings refused (not enough seats)`,
    ),
  );

  // 5. The ops read model equals a rebuild from the events store.
  const snapshot = async () => ({
    docs: new Map(
      (
        await q<{ id: string; payload: Record<string, unknown> }>(
          'SELECT booking_id::text AS id, payload FROM read_model_ops_bookings',
        )
      ).map(({ id, payload: { last_update: _, ...doc } }) => [id, JSON.stringify(sortKeys(doc))]),
    ),
    side: JSON.stringify(
      await q(
        `SELECT (SELECT json_agg(t ORDER BY ticket_id) FROM ops_ticket_bookings t) AS tickets,
                (SELECT json_agg(d ORDER BY booking_id, receipt_date) FROM ops_receipt_dates d) AS dates`,
      ),
    ),
  });
  const live = await snapshot();
  const report = await rebuildOpsReadModel({ postgresUrl: cluster.postgresUrl });
  const rebuilt = await snapshot();
  const differs = [...new Set([...live.docs.keys(), ...rebuilt.docs.keys()])]
    .filter((id) => live.docs.get(id) !== rebuilt.docs.get(id))
    .map(
      (id) =>
        `${id}: live ${live.docs.get(id) ?? 'missing'} / rebuilt ${rebuilt.docs.get(id) ?? 'missing'}`,
    );
  if (live.side !== rebuilt.side)
    differs.push('side tables (ticket → booking, receipt dates) differ');
  out.push(
    verdict(
      'ops read model equals a rebuild from the events store',
      differs,
      `${live.docs.size} documents live, ${rebuilt.docs.size} rebuilt from ${report.eventsRead} events`,
    ),
  );

  // 6. No dead letter: every failure this load causes is transient, so a retry should have won.
  await deadLetters.poll();
  const letters = [...deadLetters.seen.values()];
  out.push(
    verdict(
      'no dead letter that a retry should have avoided',
      letters.map((l) => `${l.handler} ${l.name} ${l.messageId} after ${l.deliveries}: ${l.error}`),
      `${letters.length} dead letters seen during the run and after`,
    ),
  );

  // 7. Drained: outbox published, every group at rest, every webhook delivered.
  const rest = await backlog(cluster, db, redis);
  out.push(
    verdict(
      'outbox drained',
      [
        ...(rest.unpublished ? [`${rest.unpublished} outbox rows unpublished`] : []),
        ...rest.busyGroups,
        ...(rest.webhooksPending ? [`${rest.webhooksPending} webhooks still being sent`] : []),
      ],
      `${rest.unpublished} unpublished rows, ${rest.busyGroups.length} busy consumer groups`,
    ),
  );

  // And the webhook guard held under load: a skewed timestamp is refused, a replay changes nothing.
  const sent = skewed.filter((s): s is number => s !== undefined);
  out.push(
    verdict(
      'clock-skewed webhooks refused',
      sent.filter((s) => s !== 401 && s !== 0).map((s) => `answered ${s}`),
      `${sent.length} sent, answers ${JSON.stringify(Object.fromEntries(tally(sent, String)))}; ` +
        `replayed webhooks answered ${JSON.stringify(load.replays)}`,
    ),
  );
  return out;
}

/** What the VIP verdicts are computed from (vip-checker.ts), read from the database and simulator. */
async function vipFacts(
  cluster: Cluster,
  load: Load,
  q: <T>(sql: string) => Promise<T[]>,
  calls: CallCount[],
  deadNation: VipFacts['deadNation'],
  bookings: Set<string>,
  refunds: Map<string, number>,
): Promise<VipFacts> {
  const perKey = async (sql: string) =>
    new Map((await q<{ key: string; n: number }>(sql)).map((r) => [r.key, r.n]));
  return {
    accepted: load.vipBundles.filter((b) => b.vipBundleId).map((b) => b.vipBundleId!),
    bundles: (await q<{ state: VipBundle }>('SELECT state FROM vip_bundles')).map((r) => r.state),
    finalized: await perKey(
      `SELECT event_payload->>'vip_bundle_id' AS key, count(*)::int AS n FROM events
        WHERE event_name = 'VipBundleFinalized_v1' GROUP BY 1`,
    ),
    compensations: await perKey(
      `SELECT payload::jsonb->'header'->>'idempotency_key' AS key, count(*)::int AS n FROM outbox
        WHERE name IN (${COMPENSATIONS.map((c) => `'${c}'`).join(', ')})
          AND payload::jsonb->'header'->>'idempotency_key' LIKE 'vip-bundle:%' GROUP BY 1`,
    ),
    bookings,
    deadNation,
    refunds,
    flightTickets: await simGet<FlightTicket[]>(cluster, '/transportation-api/flight-tickets'),
    taxiBookings: await simGet<TaxiBooking[]>(cluster, '/transportation-api/taxi-bookings'),
    calls,
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
