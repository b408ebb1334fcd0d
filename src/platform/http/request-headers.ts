import type { NextFunction, Request, Response } from 'express';

/**
 * Headers whose value the app keeps: stored (Idempotency-Key), echoed and logged and sent on to
 * every external call (Correlation-ID). Bounded and printable, so none of them can carry a
 * megabyte into every log line, or a line break or escape sequence into a log viewer.
 */
export const KEPT_HEADERS = ['Idempotency-Key', 'Correlation-ID'] as const;
export const MAX_KEPT_HEADER_LENGTH = 200;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** What is wrong with the request's kept headers, naming the header; undefined if nothing. */
export function headerProblem(
  get: (name: string) => string | string[] | undefined,
): string | undefined {
  for (const name of KEPT_HEADERS) {
    const value = get(name.toLowerCase());
    if (value === undefined) continue;
    if (Array.isArray(value)) return `the ${name} header must be sent once`;
    if (value.length > MAX_KEPT_HEADER_LENGTH) {
      return `the ${name} header must be at most ${MAX_KEPT_HEADER_LENGTH} characters`;
    }
    if (!PRINTABLE_ASCII.test(value)) {
      return `the ${name} header must hold printable ASCII characters only (no control characters)`;
    }
  }
  return undefined;
}

/** Mount before anything reads the headers: a 400 naming the header, before any work. */
export function refuseHostileHeaders(req: Request, res: Response, next: NextFunction): void {
  const problem = headerProblem((name) => req.headers[name]);
  if (!problem) return next();
  res.status(400).json({ statusCode: 400, error: 'Bad Request', message: problem });
}
