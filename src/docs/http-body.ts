import type { NextFunction, Request, Response } from 'express';

/** What a JSON body may weigh, in bytes. */
export const BODY_LIMIT = 1024 * 1024;
/**
 * The webhook's: its 500 tickets take about 100 kB, so this leaves room for fields Dead Nation
 * may add, while a body too large to be a real request costs no more than reading it.
 */
export const WEBHOOK_BODY_LIMIT = 512 * 1024;

/** 1048576 → "1 MiB", 524288 → "512 KiB". */
export function sizeOf(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

function fail(res: Response, statusCode: number, message: string): void {
  res.status(statusCode).json({ statusCode, error: REASONS[statusCode], message });
}

const carriesBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * Mount before the JSON parser: a body in any other format is refused with 415, instead of being
 * left unparsed and reported as missing fields.
 */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (carriesBody(req) && !req.is('application/json')) {
    return fail(res, 415, 'Content-Type must be application/json');
  }
  next();
}

/**
 * Mount right after the JSON parser: its errors become NestJS-shaped JSON answers (the parser
 * throws plain errors with a status, which would otherwise be logged as unexpected).
 */
export function jsonBodyErrors(
  err: { type?: string; status?: number; message?: string; limit?: number },
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  switch (err?.type) {
    case 'entity.too.large':
      return fail(res, 413, `the body is larger than ${sizeOf(err.limit ?? BODY_LIMIT)}`);
    case 'entity.parse.failed':
      return fail(res, 400, `the body is not valid JSON: ${err.message}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return fail(res, 415, String(err.message));
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return fail(res, 400, String(err.message));
    default:
      return next(err);
  }
}
