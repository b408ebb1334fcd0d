import { Tracer, trace } from '@opentelemetry/api';

let service = 'messaging';
let tracerName = 'messaging';

/** Called by MessagingModule: spans are recorded under `<serviceName>.messaging`. */
export function nameMessagingTracer(serviceName: string): void {
  service = serviceName;
  tracerName = `${serviceName}.messaging`;
}

/**
 * A span attribute in the service's namespace, e.g. `<serviceName>.handler`: dashboards and
 * saved searches use these keys, so they follow the service name like the tracer does.
 */
export function serviceAttribute(key: string): string {
  return `${service}.${key}`;
}

/**
 * The tracer of messaging's spans, looked up at each call rather than at import: files create
 * their tracer when loaded, before the module knows the service name. The SDK's provider caches
 * tracers by name, so the lookup is cheap.
 */
export const messagingTracer: Tracer = {
  startSpan(...args) {
    return trace.getTracer(tracerName).startSpan(...args);
  },
  startActiveSpan(...args: unknown[]) {
    const tracer = trace.getTracer(tracerName);
    // The overloads cannot be forwarded one by one; `apply` keeps the tracer as `this`.
    return (tracer.startActiveSpan as (...a: unknown[]) => unknown).apply(tracer, args);
  },
};
