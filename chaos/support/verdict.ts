/** One invariant's verdict, as the report and the output show it. */
export interface Verdict {
  invariant: string;
  pass: boolean;
  /** What was counted, in one line. */
  detail: string;
  /** The first offending ids, for a failing verdict. */
  evidence: string[];
}

/** Passes when nothing offends; keeps the first ten offenders as evidence. */
export function verdict(invariant: string, offending: string[], detail: string): Verdict {
  return { invariant, pass: offending.length === 0, detail, evidence: offending.slice(0, 10) };
}

/** How often each key occurs. */
export function tally<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const n = new Map<string, number>();
  for (const i of items) n.set(key(i), (n.get(key(i)) ?? 0) + 1);
  return n;
}
