import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { ClsServiceManager } from 'nestjs-cls';

/** What a request or a message carries on into every message and external call it causes. */
export const CORRELATION_ID = 'correlationId';

export function currentCorrelationId(): string {
  const cls = ClsServiceManager.getClsService();
  const fromCls = cls.isActive() ? cls.get<string>(CORRELATION_ID) : undefined;
  return fromCls ?? randomUUID();
}

/** The W3C trace context of the active span, as headers (`traceparent`, `tracestate`). */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Headers for an outgoing HTTP call: Correlation-ID and the trace context. */
export function outgoingHeaders(): Record<string, string> {
  return { 'Correlation-ID': currentCorrelationId(), ...currentTraceHeaders() };
}
