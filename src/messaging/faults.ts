/**
 * Named crash points for the reliability tests (R2, R3, R6): MessagingOptions.faults
 * `<point>[:<n>]` makes the process SIGKILL itself the n-th time (default 1st) it passes that
 * point; `<point>@<handler>[:<n>]` counts only that handler's passes (a consumer point that
 * every handler passes, aimed at one). Unset in production, where `hit()` is a map lookup.
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
  | 'consumer.after-handler-before-write'
  | 'consumer.before-shared-commit'
  | 'saga.after-pipeline-before-commands';

export function hitFault(point: FaultPoint, handler?: string): void {
  if (armed.size === 0) return;
  if (handler !== undefined) hit(`${point}@${handler}`);
  hit(point);
}

function hit(name: string): void {
  const left = armed.get(name);
  if (left === undefined) return;
  if (left <= 1) {
    process.stderr.write(`fault injected at ${name}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  armed.set(name, left - 1);
}
