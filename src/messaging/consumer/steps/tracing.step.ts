import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { inHandlerSpan } from '../../../platform/observability/messaging-spans';
import { spansExported } from '../../../platform/observability/tracing-lifecycle';
import { messagingTracer } from '../../messaging.tracer';
import { runOf, Step, StreamEntry } from './step';

const tracer = messagingTracer;

/**
 * The CONSUMER span `process <name>` of one entry: a child of, and linked to, the context the
 * message was written in (carried in the entry), so handlers join the request's trace.
 */
export function inConsumerSpan<T>(
  entry: StreamEntry,
  group: string,
  work: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, entry.fields);
  if (!spansExported()) return context.with(parent, work); // the trace id goes on, no span
  const link = trace.getSpanContext(parent);
  return tracer.startActiveSpan(
    `process ${entry.fields.name}`,
    {
      kind: SpanKind.CONSUMER,
      links: link ? [{ context: link }] : [],
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination.name': entry.destination,
        'messaging.consumer.group.name': group,
        'messaging.message.id': entry.fields.message_id,
        'messaging.operation.type': 'process',
      },
    },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (e) {
        span.recordException(e);
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

/** One CONSUMER span around all attempts at an entry (retries are its children). */
export function consumerSpanStep(group: string): Step {
  return (d, next) => inConsumerSpan(d.entry, group, next);
}

/** One span per attempt (`handle <Event>` / `execute <Command>`), with its delivery count. */
export function handlerSpanStep(handler: string): Step {
  return (d, next) => inHandlerSpan(runOf(handler, d), next);
}
