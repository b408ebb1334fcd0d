/**
 * Named crash points for the reliability tests (R2, R3, R6): `TICKETS_FAULT=<point>[:<n>]` makes
 * the process SIGKILL itself the n-th time (default 1st) it passes that point. Unset in
 * production, where `hit()` is one map lookup.
 */
const configured = (process.env.TICKETS_FAULT ?? '').split(',').filter(Boolean);
const armed = new Map<string, number>(
  configured.map((f) => {
    const [point, n] = f.split(':');
    return [point, Number(n ?? 1)];
  }),
);

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
