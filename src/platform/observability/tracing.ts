import {
  Attributes,
  Context,
  diag,
  DiagLogger,
  DiagLogLevel,
  Link,
  SpanKind,
} from '@opentelemetry/api';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { onTracingStop, setSpansExported } from './tracing-lifecycle';

export const SERVICE_NAME = 'tickets';

/**
 * Starts OpenTelemetry for this process. Must run before Nest, express, pg and ioredis are
 * loaded, so their instrumentations can patch them (src/platform/observability/instrumentation.ts).
 *
 * Spans always exist, so trace ids reach the logs and the headers of every message and external
 * call; they are recorded and exported (OTLP over HTTP, JSON) only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): NodeSDK {
  const exporting = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
  setSpansExported(exporting);
  diag.setLogger(jsonDiagLogger(), DiagLogLevel.WARN);
  const sdk = new NodeSDK({
    serviceName: SERVICE_NAME,
    // Not exporting: spans are not recorded (ids and propagation stay, the cost of recording
    // goes: measured at about half the booking throughput). An incoming traceparent gives its
    // trace id, never the decision: see HousekeepingSampler.
    sampler: new HousekeepingSampler(exporting),
    // The exporter reads the endpoint and OTEL_BSP_* itself; /v1/traces is appended.
    ...(exporting
      ? { traceExporter: new OTLPTraceExporter() }
      : { spanProcessors: [new tracing.NoopSpanProcessor()] }),
    // Logs go to stdout as JSON lines (pino), metrics to /metrics (prom-client): not over OTLP
    // (left out, the SDK would send both to the OTLP endpoint, or to localhost:4318 by default).
    logRecordProcessors: [],
    metricReaders: [],
    // Incoming requests get their SERVER span from serverSpans() (server-span.ts) whether or
    // not anything exports. Not exporting, nothing is instrumented: the trace context travels in
    // the headers and outbox rows the app writes itself (request-context.ts), and the other
    // instrumentations would only make spans nobody records (≈ CPU per request).
    instrumentations: exporting ? allInstrumentations() : [],
  });
  sdk.start();
  onTracingStop(() => sdk.shutdown());
  return sdk;
}

function allInstrumentations() {
  return [
    // Outgoing calls only (a CLIENT span each, its id in the traceparent sent): the SERVER span
    // of an incoming request is serverSpans()'s.
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    // Route handlers only: a span per middleware (body parser, CLS, logger) tells nothing.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
    // Only inside a traced request or message: the consumers' blocking reads and the relay's
    // sweeps would otherwise start a trace of their own every few hundred milliseconds.
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new NestInstrumentation(),
  ];
}

/** The consumers' periodic upkeep on the shared Redis connection (claims and heartbeats). */
const HOUSEKEEPING_COMMANDS = new Set(['xautoclaim', 'xclaim']);

/**
 * Parent-based, but a **remote** parent's sampled flag is not trusted (spec §9): whoever sends a
 * traceparent, a client or a caller upstream, keeps its trace id, yet this service records
 * exactly as it would a new trace (when exporting). Otherwise anyone could switch recording on
 * (cost: about half the throughput) or off (hiding their requests) with one header flag. A
 * local parent is followed, so a trace inside this service is recorded whole or not at all.
 * Messages between our own processes carry a remote parent too; they get the same answer, so
 * a journey stays whole.
 *
 * Minus the consumers' upkeep commands: that connection auto-pipelines, so a command sent in the
 * same tick as a handler's XACK would be reported as a child of that handler, a claim or
 * heartbeat inside some unrelated booking's trace.
 */
export class HousekeepingSampler implements tracing.Sampler {
  private readonly inner: tracing.Sampler;

  constructor(record: boolean) {
    const decision = () =>
      record ? new tracing.AlwaysOnSampler() : new tracing.AlwaysOffSampler();
    this.inner = new tracing.ParentBasedSampler({
      root: decision(),
      remoteParentSampled: decision(),
      remoteParentNotSampled: decision(),
    });
  }

  shouldSample(
    ctx: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): tracing.SamplingResult {
    if (kind === SpanKind.CLIENT && HOUSEKEEPING_COMMANDS.has(name)) {
      return { decision: tracing.SamplingDecision.NOT_RECORD };
    }
    return this.inner.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return 'HousekeepingSampler';
  }
}

/** OpenTelemetry's own complaints (an unreachable collector), as JSON lines like the app's logs. */
function jsonDiagLogger(): DiagLogger {
  const write =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      const detail = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
      process.stderr.write(
        `${JSON.stringify({
          level,
          time: new Date().toISOString(),
          context: 'opentelemetry',
          msg: detail ? `${message} ${detail}` : message,
        })}\n`,
      );
    };
  return {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    verbose: write('trace'),
  };
}
