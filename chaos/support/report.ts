import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { percentiles, Percentiles } from '../../bench/support/load';
import { ROOT } from '../../bench/support/processes';
import { Verdict } from './checker';
import { BookingAttempt, Load, VipPlan } from './load';
import { FaultRecord } from './nemesis';

export interface RunFacts {
  seed: number;
  minutes: number;
  rate: number;
  started: Date;
  /** Date.now() at the first booking, when the faults stopped, when the load stopped. */
  t0: number;
  faultsEnd: number;
  loadEnd: number;
  /** ms from the load's end until the system was at rest (undefined: it never was). */
  drainMs?: number;
  faults: FaultRecord[];
  bookings: BookingAttempt[];
  vip: VipSummary;
  restarts: Record<string, number>;
  verdicts: Verdict[];
  command: string;
}

/** When each booking's journey ended: every ticket receipted and printed (the events' times). */
export async function journeyEnds(db: Client): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; n: number; r: number; p: number; done: number }>(
    `SELECT b.booking_id::text AS id, b.number_of_tickets AS n,
            count(DISTINCT t.ticket_id) FILTER (WHERE e.event_name = 'TicketReceiptIssued_v1')::int AS r,
            count(DISTINCT t.ticket_id) FILTER (WHERE e.event_name = 'TicketPrinted_v1')::int AS p,
            (extract(epoch FROM max(e.published_at)) * 1000)::float8 AS done
       FROM bookings b
       JOIN tickets t ON t.booking_id = b.booking_id
       JOIN events e ON e.event_name IN ('TicketReceiptIssued_v1', 'TicketPrinted_v1')
                    AND e.event_payload->>'ticket_id' = t.ticket_id::text
      GROUP BY b.booking_id, b.number_of_tickets`,
  );
  return new Map(rows.filter((r) => r.r >= r.n && r.p >= r.n).map((r) => [r.id, r.done]));
}

/** The VIP load as it ended: answers, outcomes per plan, and how long the processes took. */
export interface VipSummary {
  sent: number;
  answers: string;
  /** Per plan: bundles stored, succeeded, failed. */
  plans: Array<{ plan: VipPlan; sent: number; succeeded: number; failed: number; open: number }>;
  /** Initialized to finalized (the bundle's own times). */
  process: Percentiles;
  taxiOutages: Array<[number, number]>;
}

export async function vipSummary(db: Client, load: Load): Promise<VipSummary> {
  const { rows } = await db.query<{ email: string; status: string; ms: number | null }>(
    `SELECT state->>'customer_email' AS email, status,
            (extract(epoch FROM (state->>'finalized_at')::timestamptz - (state->>'initialized_at')::timestamptz) * 1000)::float8 AS ms
       FROM vip_bundles`,
  );
  // By e-mail address (one per bundle sent): a bundle whose answer was lost still counts.
  const stored = new Map(rows.map((r) => [r.email, r]));
  const plans = (['plain', 'hot-show', 'inbound-sold-out', 'return-sold-out'] as const).map(
    (plan) => {
      const mine = load.vipBundles.filter((b) => b.plan === plan);
      const status = (s: string) => mine.filter((b) => stored.get(b.email)?.status === s).length;
      return {
        plan,
        sent: mine.length,
        succeeded: status('succeeded'),
        failed: status('failed'),
        open: status('in_progress'),
      };
    },
  );
  return {
    sent: load.vipBundles.length,
    answers: countStatuses(load.vipBundles),
    plans,
    process: percentiles(rows.filter((r) => r.ms !== null).map((r) => r.ms!)),
    taxiOutages: load.taxiOutages,
  };
}

function countStatuses(list: Array<{ status: number }>): string {
  return Object.entries(
    list.reduce<Record<string, number>>((n, b) => ((n[b.status] = (n[b.status] ?? 0) + 1), n), {}),
  )
    .map(([code, n]) => `${code === '0' ? 'no answer' : code}: ${n}`)
    .join(', ');
}

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–');
const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '–');

function pRow(name: string, p: Percentiles): string {
  return `| ${name} | ${p.n} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} |`;
}

/** Writes chaos/results/<date>-<HHMM>.md; returns its path. */
export function writeReport(facts: RunFacts, ends: Map<string, number>): string {
  const { t0, faultsEnd, loadEnd, bookings } = facts;
  const journey = (b: BookingAttempt) =>
    b.bookingId && ends.has(b.bookingId) ? ends.get(b.bookingId)! - b.sentAt : undefined;
  const during = bookings.filter((b) => b.sentAt < faultsEnd);
  const after = bookings.filter((b) => b.sentAt >= faultsEnd);
  const journeys = (list: BookingAttempt[]) =>
    percentiles(list.map(journey).filter((j): j is number => j !== undefined));
  const answers = (list: BookingAttempt[]) => percentiles(list.map((b) => b.ms));
  const ok = (list: BookingAttempt[]) => list.filter((b) => b.status === 201).length;
  const statuses = countStatuses(bookings);

  // Recovery: from a fault's end to the end of the first journey begun after it.
  const byStart = bookings
    .filter((b) => journey(b) !== undefined)
    .sort((a, b) => a.sentAt - b.sentAt);
  const recovery = facts.faults.map((f) => {
    const end = t0 + f.end;
    const first = byStart.find((b) => b.sentAt >= end);
    return { fault: f, ms: first ? ends.get(first.bookingId!)! - end : Infinity };
  });
  const longest = recovery.reduce((a, b) => (Number.isFinite(b.ms) && b.ms > a.ms ? b : a), {
    fault: undefined as FaultRecord | undefined,
    ms: -1,
  });
  // The longest stretch in which no booking was answered 201, from the load's start to its end
  // (a system that stops answering for good has its last stretch counted too).
  let gap = 0;
  let gapAt = 0;
  const okTimes = bookings.filter((b) => b.status === 201).map((b) => b.sentAt + b.ms);
  okTimes.push(t0, loadEnd);
  okTimes.sort((a, b) => a - b);
  for (let i = 1; i < okTimes.length; i++) {
    if (okTimes[i] - okTimes[i - 1] > gap)
      [gap, gapAt] = [okTimes[i] - okTimes[i - 1], okTimes[i - 1]];
  }

  const failed = facts.verdicts.filter((v) => !v.pass);
  const kinds = facts.faults.reduce<Record<string, number>>(
    (n, f) => ((n[f.kind] = (n[f.kind] ?? 0) + 1), n),
    {},
  );
  const iso = facts.started.toISOString();
  const lines = [
    `# Chaos soak ${iso.slice(0, 16).replace('T', ' ')} UTC: ${failed.length ? `**FAILED** (${failed.length} of ${facts.verdicts.length} invariants)` : `passed (${facts.verdicts.length} invariants)`}`,
    '',
    `\`${facts.command}\`: seed **${facts.seed}** (\`--seed ${facts.seed}\` repeats the faults), ` +
      `${facts.minutes} min of faults, then ${s(loadEnd - faultsEnd)} of load without faults; ` +
      `two api, two worker and one relay process, the gateway simulator, PostgreSQL and Redis of ` +
      `the run's own. What each invariant means and how it is counted: [chaos/README.md](../README.md).`,
    '',
    '## Verdicts',
    '',
    '| invariant | verdict | counted |',
    '| --- | --- | --- |',
    ...facts.verdicts.map(
      (v) =>
        `| ${v.invariant} | ${v.pass ? 'pass' : '**FAIL**'} | ${v.detail.replace(/\|/g, '\\|')} |`,
    ),
    '',
    ...failed.flatMap((v) => [
      `### ${v.invariant}: evidence (first ${v.evidence.length})`,
      '',
      ...v.evidence.map((e) => `- ${e}`),
      '',
    ]),
    '## Load held',
    '',
    `- offered: ${facts.rate} bookings/s open-loop (${bookings.length} sent), a third of them on ` +
      `nearly sold-out shows; answers: ${statuses}`,
    `- answered 201 during faults: ${(ok(during) / ((faultsEnd - t0) / 1000)).toFixed(2)}/s ` +
      `(${ok(during)} of ${during.length}); after: ${(ok(after) / Math.max(1, (loadEnd - faultsEnd) / 1000)).toFixed(2)}/s ` +
      `(${ok(after)} of ${after.length})`,
    `- longest stretch without a 201: ${s(gap)} (from +${s(gapAt - t0)})`,
    `- drained (outbox published, every group at rest, every webhook delivered) ${facts.drainMs === undefined ? '**never** within the limit' : `${s(facts.drainMs)} after the load stopped`}`,
    `- process restarts by the supervisor: ${Object.entries(facts.restarts)
      .map(([n, r]) => `${n} ${r}`)
      .join(', ')}`,
    '',
    '## Journey times',
    '',
    'From sending `POST /api/book-tickets` to the last receipt or printed file of its tickets ' +
      "(the events' times); answer time of the booking request itself beside.",
    '',
    '| bookings sent | journeys | p50 | p95 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    pRow('during faults: journey', journeys(during)),
    pRow('after faults: journey', journeys(after)),
    pRow('during faults: booking answer', answers(during)),
    pRow('after faults: booking answer', answers(after)),
    '',
    `Longest recovery: **${s(longest.ms)}**${longest.fault ? ` after ${longest.fault.kind} ${longest.fault.target} at +${s(longest.fault.at)} (from the fault's end to the end of the first journey begun after it; – where none began after it)` : ''}.`,
    '',
    '## VIP bundles',
    '',
    `- offered: one every 4-6 s open-loop (${facts.vip.sent} sent); answers: ${facts.vip.answers}`,
    `- no taxi (Transportation 409) during ${facts.vip.taxiOutages.length} windows: ` +
      (facts.vip.taxiOutages.map(([a, b]) => `+${s(a)}-+${s(b)}`).join(', ') || 'none'),
    '',
    '| plan | sent | succeeded | failed | still in progress |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...facts.vip.plans.map(
      (p) => `| ${p.plan} | ${p.sent} | ${p.succeeded} | ${p.failed} | ${p.open} |`,
    ),
    '',
    '| bundles | finalized | p50 | p95 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    pRow('initialized → finalized', facts.vip.process),
    '',
    `## Faults (${facts.faults.length}: ${Object.entries(kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
    '',
    '| at | until | fault | target | detail | recovery |',
    '| ---: | ---: | --- | --- | --- | ---: |',
    ...recovery.map(
      ({ fault: f, ms: r }) =>
        `| +${s(f.at)} | +${s(f.end)} | ${f.kind} | ${f.target} | ${f.detail.replace(/\|/g, '\\|')} | ${s(r)} |`,
    ),
    '',
  ];
  const dir = join(ROOT, 'chaos', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}.md`);
  writeFileSync(file, lines.join('\n'));
  return file;
}
