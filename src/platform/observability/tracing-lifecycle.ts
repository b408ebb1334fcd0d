/**
 * How the process flushes its last spans before exiting. Kept apart from tracing.ts so that
 * bootstrap.ts (also loaded by in-process tests, where tracing never starts) does not load the SDK.
 */
let stop: (() => Promise<void>) | undefined;

export function onTracingStop(fn: () => Promise<void>): void {
  stop = fn;
}

/** Exports what is still buffered; bounded, so an unreachable collector cannot hold up exit. */
export async function stopTracing(timeoutMs = 3000): Promise<void> {
  if (!stop) return;
  const done = stop().catch(() => undefined);
  stop = undefined;
  await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}

let exporting = false;

/**
 * Whether spans are exported (OTEL_EXPORTER_OTLP_ENDPOINT set). When not, the messaging layer
 * makes no spans of its own (nobody would see them, and two per handled message cost about a
 * fifth of a consumer's CPU): it only carries each message's trace context on, so logs, later
 * messages and external calls keep the trace id.
 */
export function spansExported(): boolean {
  return exporting;
}

export function setSpansExported(value: boolean): void {
  exporting = value;
}
