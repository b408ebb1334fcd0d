import {
  context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { countRequest, routeOf } from './http-metrics';
import { PROBE_PATHS } from './probe-paths';

/**
 * Every request's SERVER span and its HTTP metrics, from one middleware mounted first.
 *
 * The span continues the client's W3C `traceparent` (its trace id, never its sampled flag: see
 * HousekeepingSampler) or starts a trace; everything the request runs (the CLS context, the
 * outbox row's traceparent, the log lines, external calls) sees it as the active span. Named
 * `METHOD /route/:template` once the router has matched. Made here rather than by the
 * OpenTelemetry http instrumentation, which binds every listener of the request and the
 * response to the context and collects a dozen attributes before the sampler has said whether
 * anyone records them: about a fifth of a booking's CPU with export off (docs/performance.md).
 * When nothing exports, the span is a non-recording one: ids and propagation only.
 */
export function serverSpans(): RequestHandler {
  const tracer = trace.getTracer('tickets-http');
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    if (PROBE_PATHS.test(req.url)) {
      res.once('close', () => countIfAnswered(req, res, started));
      return next();
    }
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    res.once('close', () => {
      countIfAnswered(req, res, started);
      endSpan(span, req, res);
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Metrics count answered requests; a request whose client went away first has no status. */
function countIfAnswered(req: Request, res: Response, started: number): void {
  if (res.writableFinished) countRequest(req, res, (performance.now() - started) / 1000);
}

function endSpan(span: Span, req: Request, res: Response): void {
  if (span.isRecording()) {
    const route = routeOf(req);
    if (route) span.updateName(`${req.method} ${route}`);
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: req.method,
      [ATTR_URL_SCHEME]: req.protocol,
      [ATTR_URL_PATH]: req.path,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode,
      ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
    });
    if (!res.writableFinished) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
    } else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
