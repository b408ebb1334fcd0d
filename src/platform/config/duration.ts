const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `7d`, `12h`, `30m` or `45s` (a whole number and one unit), in
 * milliseconds; null for anything else.
 */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d{1,9})\s*([smhd])\s*$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]] : null;
}

/** The shortest way to write a number of milliseconds in those units, for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${Math.ceil(ms / 1000)}s`;
}
