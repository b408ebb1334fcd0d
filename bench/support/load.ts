import autocannon from 'autocannon';
import { Child, machineCpu } from './processes';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

export function percentiles(samples: number[]): Percentiles {
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? NaN, n: s.length };
}

export interface LoadResult extends Percentiles {
  connections: number;
  /** successful (2xx) responses per second */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** CPU of the app process(es) in cores, and per successful request in µs */
  appCores: number;
  cpuPerReqUs: number;
  /** both cores of the machine, share busy (everyone: app, PostgreSQL, Redis, the load generator) */
  machineBusy: number;
}

export interface LoadSpec {
  urls: string[];
  path: string;
  connections: number;
  durationS?: number;
  amount?: number;
  /** requests per second over all connections (open-ish load); unset = as fast as possible */
  overallRate?: number;
  body: () => unknown;
  apps: Child[];
}

/**
 * Drives POST load with autocannon 9, one instance per URL, all at once, and records every
 * response time itself (autocannon reports no p95). Latency percentiles are over all URLs.
 */
export async function postLoad(spec: LoadSpec): Promise<LoadResult> {
  const times: number[] = [];
  const statusCodes: Record<string, number> = {};
  const cpu0 = spec.apps.map((a) => a.cpuSeconds());
  const m0 = machineCpu();
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    spec.urls.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          const perUrl = Math.max(1, Math.round(spec.connections / spec.urls.length));
          const options: autocannon.Options = {
            url: url + spec.path,
            connections: perUrl,
            timeout: 30,
            requests: [
              {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                setupRequest: (req) => ({ ...req, body: JSON.stringify(spec.body()) }),
              },
            ],
          };
          // autocannon merges options over its defaults: an undefined key would erase one.
          if (spec.amount) options.amount = Math.round(spec.amount / spec.urls.length);
          else options.duration = spec.durationS;
          if (spec.overallRate) {
            options.overallRate = Math.max(1, Math.round(spec.overallRate / spec.urls.length));
          }
          const instance = autocannon(options, (err, result) =>
            err ? reject(err) : resolve(result),
          );
          instance.on(
            'response',
            (_client: unknown, status: number, _bytes: number, ms: number) => {
              times.push(ms);
              statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            },
          );
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const m1 = machineCpu();
  const appCpu = spec.apps.reduce((sum, a, i) => sum + a.cpuSeconds() - cpu0[i], 0);
  const ok = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    connections: spec.connections,
    ...percentiles(times),
    rps: ok / seconds,
    ok,
    non2xx: times.length - ok,
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    statusCodes,
    appCores: appCpu / seconds,
    cpuPerReqUs: ok ? (appCpu / ok) * 1e6 : NaN,
    machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total),
  };
}

/**
 * Open-loop POSTs at a fixed rate with fetch, for the pipeline runs: unlike autocannon it keeps
 * each answer, so a booking's 201 arrival (after its commit) can be matched with its handler.
 */
export async function openLoop(spec: {
  url: string;
  rate: number;
  durationS: number;
  body: () => unknown;
  /** each 201's booking id and arrival time (ms since the epoch), as it comes */
  onAnswer?: (bookingId: string, at: number) => void;
}): Promise<{ latencies: number[]; answered: Map<string, number>; failed: number; rps: number }> {
  const latencies: number[] = [];
  const answered = new Map<string, number>();
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  const send = () => {
    const started = performance.now();
    const p = fetch(spec.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec.body()),
    })
      .then(async (res) => {
        const body = (await res.json()) as { booking_id?: string };
        const now = Date.now();
        latencies.push(performance.now() - started);
        if (res.status === 201 && body.booking_id) {
          answered.set(body.booking_id, now);
          spec.onAnswer?.(body.booking_id, now);
        } else failed++;
      })
      .catch(() => void failed++)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < spec.durationS * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * spec.rate);
    for (; sent < due; sent++) send();
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  return { latencies, answered, failed, rps: answered.size / ((performance.now() - t0) / 1000) };
}
