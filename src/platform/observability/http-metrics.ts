import { Request, Response } from 'express';
import { Counter, Histogram, register } from 'prom-client';

function metric<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

const LABELS = ['method', 'route', 'status'] as const;

const requests = metric(
  'http_requests_total',
  () =>
    new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template (never the raw path)',
      labelNames: LABELS,
    }),
);
const duration = metric(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from the request to the end of its response',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
);

/** The label for requests no route matched (404s, bodies refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template Express matched (`/api/ticket-refund/:ticket_id`), never the raw path, so
 * ids never become label values or span names; undefined when no controller matched.
 */
export function routeOf(req: Request): string | undefined {
  const route: unknown = req.route?.path;
  // Nest mounts middleware for all routes as the catch-all `/api/{*path}`: a request that
  // matched only that one matched no controller.
  if (typeof route !== 'string' || route.includes('{*')) return undefined;
  return `${req.baseUrl ?? ''}${route}`;
}

/**
 * Counts and times an answered request (called once its response has finished), labelled with
 * its route template or `unmatched`: every request, those an early middleware refused (413,
 * 415) included.
 */
export function countRequest(req: Request, res: Response, seconds: number): void {
  const labels = {
    method: req.method,
    route: routeOf(req) ?? UNMATCHED_ROUTE,
    status: String(res.statusCode),
  };
  requests.inc(labels);
  duration.observe(labels, seconds);
}
