/**
 * Named crash points for the reliability tests (R2, R3, R6): MessagingOptions.faults
 * `<point>[:<n>]` makes the process SIGKILL itself the n-th time (default 1st) it passes that
 * point. Unset in production, where `hit()` is one map lookup.
 */
const armed = new Map<string, number>();

/** Arms the crash points of `spec` (`<point>[:<n>][,…]`), replacing any armed before. */
export function armFaults(spec: string | undefined): void {
  armed.clear();
  for (const f of (spec ?? '').split(',').filter(Boolean)) {
    const [point, n] = f.split(':');
    armed.set(point, Number(n ?? 1));
  }
}

export type FaultPoint =
  | 'relay.after-read-before-xadd'
  | 'relay.after-xadd-before-mark'
  | 'consumer.after-effect-before-ack'
  | 'consumer.after-handler-before-write';

export function hitFault(point: FaultPoint): void {
  const left = armed.get(point);
  if (left === undefined) return;
  if (left <= 1) {
    process.stderr.write(`fault injected at ${point}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  armed.set(point, left - 1);
}
