import {
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { spansExported } from '../../platform/observability/tracing-lifecycle';
import { messagingTracer as tracer, serviceAttribute } from '../messaging.tracer';

/** What the relay gets when spans are not exported: ending it does nothing. */
const UNEXPORTED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface OutgoingEntry {
  /** Stream name without the key prefix, e.g. `events.BookingMade_v1`. */
  destination: string;
  streamKey: string;
  name: string;
  messageId: string;
  /** The trace context stored with the outbox row: the request or handler that wrote it. */
  traceparent: string | null;
  tracestate: string | null;
}

/**
 * The relay's PRODUCER span for one outbox row: a child of the context the row was written in
 * (so it sits in the request's trace, beside the handlers' spans) and linked to it, as the
 * messaging conventions ask. The entry itself keeps carrying the stored context, not this span's:
 * the message was created by the request; the relay only forwards it.
 */
export function startSendSpan(entry: OutgoingEntry): Span {
  if (!spansExported()) return UNEXPORTED;
  const carrier: Record<string, string> = {};
  if (entry.traceparent) carrier.traceparent = entry.traceparent;
  if (entry.tracestate) carrier.tracestate = entry.tracestate;
  const stored = propagation.extract(ROOT_CONTEXT, carrier);
  const link = trace.getSpanContext(stored);
  return tracer.startSpan(
    `send ${entry.destination}`,
    {
      kind: SpanKind.PRODUCER,
      links: link ? [{ context: link }] : [],
      attributes: {
        'messaging.system': 'redis',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'xadd',
        'messaging.destination.name': entry.destination,
        'messaging.redis.stream_key': entry.streamKey,
        'messaging.message.id': entry.messageId,
        'message.name': entry.name,
      },
    },
    stored,
  );
}

/** Ends the spans of one relay batch; on failure each records why (the batch is retried). */
export function endSendSpans(spans: Span[], entryIds: (string | null)[], error?: unknown): void {
  spans.forEach((span, i) => {
    const entryId = entryIds[i];
    if (entryId) span.setAttribute('messaging.redis.entry_id', entryId);
    if (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    }
    span.end();
  });
}

export type HandledOutcome = 'ok' | 'duplicate' | 'retry' | 'dead-lettered';

export interface HandlerRun {
  handler: string;
  /** Message name, e.g. `BookingMade_v1` or `RefundTicket`. */
  name: string;
  /** Stream name without prefix: `events.<Event>` or `commands.<Command>`. */
  destination: string;
  messageId: string;
  /** Which delivery of the entry this attempt is (1 = first). */
  delivery: number;
}

/**
 * One attempt of a handler, as a span under the CONSUMER span: `execute <Command>` for a command
 * handler, `handle <Event>` for an event handler. The handler's queries and external calls are
 * its children; a failed attempt records its error, so retries show as failed siblings.
 */
export function inHandlerSpan<T>(run: HandlerRun, work: () => Promise<T>): Promise<T> {
  if (!spansExported()) return work(); // the consumer context carries the trace on
  const verb = run.destination.startsWith('commands.') ? 'execute' : 'handle';
  return tracer.startActiveSpan(
    `${verb} ${run.name}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [serviceAttribute('handler')]: run.handler,
        'messaging.message.id': run.messageId,
        'messaging.redis.delivery_count': run.delivery,
      },
    },
    async (span) => {
      try {
        const result = await work();
        if (typeof result === 'string') span.setAttribute(serviceAttribute('outcome'), result);
        return result;
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

/** The one log line per handled message (correlation and trace ids come from the context). */
export function handledLine(run: HandlerRun, outcome: HandledOutcome, error?: unknown): object {
  const why = error === undefined ? '' : `: ${(error as Error)?.message ?? error}`;
  return {
    msg: `${run.handler} ${run.name} ${outcome}${why}`,
    handler: run.handler,
    name: run.name,
    outcome,
    topic: run.destination,
    message_id: run.messageId,
    delivery: run.delivery,
    ...(error === undefined ? {} : { error: String((error as Error)?.message ?? error) }),
  };
}
