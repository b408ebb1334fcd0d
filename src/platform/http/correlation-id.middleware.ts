import { randomUUID } from 'node:crypto';
import { Request } from 'express';

/** The request's Correlation-ID, or a new one; the same value is echoed on the response. */
export function correlationIdOf(req: Request): string {
  const given = req.headers['correlation-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value && value.length <= 200 ? value : randomUUID();
}
