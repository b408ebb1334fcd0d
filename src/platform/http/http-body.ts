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

/**
 * Keys that name an object's prototype machinery: never a field of ours, and a door to prototype
 * pollution for whatever copies the body.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper than any body of the API (a webhook ticket's price is three levels down). */
export const MAX_BODY_DEPTH = 32;

/** Any surrogate code unit: cheap to look for; most text has none. */
const SURROGATE = /[\ud800-\udfff]/;
/** A surrogate with no partner: with the `u` flag a pair is one code point, which is not Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain U+0000 (NUL): PostgreSQL cannot store it';
  if (SURROGATE.test(text) && LONE_SURROGATE.test(text)) {
    return 'must not contain an unpaired surrogate (\\ud800-\\udfff alone): it is not Unicode text';
  }
  return undefined;
}

/** An object or array still to visit; its path is built only when there is a problem to name. */
interface Container {
  value: object;
  depth: number;
  parent?: Container;
  key?: string | number;
}

function pathOf(container: Container | undefined, key?: string | number): string {
  const keys = key === undefined ? [] : [key];
  for (let c = container; c?.key !== undefined; c = c.parent) keys.push(c.key);
  return keys.reverse().join('.');
}

/**
 * What no field of any body may carry, whatever its DTO says, so the webhook (which ignores
 * unknown fields) is covered too: a string PostgreSQL cannot store (U+0000, or an unpaired
 * surrogate, which would be stored as U+FFFD or make a validator throw), a key naming an
 * object's prototype (class-transformer assigns `__proto__` instead of copying it, so the
 * unknown-field check never sees it), a body nested deeper than MAX_BODY_DEPTH. Returns the first
 * problem it meets, naming its path the way class-validator does (`tickets.3.customer_email`).
 * Iterative, and visits each value once: a 1 MiB body costs about as much as parsing it.
 */
export function bodyProblem(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const problem = textProblem(body);
    return problem && `the body ${problem}`;
  }
  if (body === null || typeof body !== 'object') return undefined;
  const stack: Container[] = [{ value: body, depth: 0 }];
  for (let container = stack.pop(); container; container = stack.pop()) {
    if (container.depth === MAX_BODY_DEPTH) {
      return `${pathOf(container)} is nested deeper than ${MAX_BODY_DEPTH} levels`;
    }
    const isArray = Array.isArray(container.value);
    const record = container.value as Record<string, unknown>;
    const keys = isArray ? undefined : Object.keys(record);
    const count = keys ? keys.length : (container.value as unknown[]).length;
    for (let i = 0; i < count; i++) {
      const key = keys ? keys[i] : i;
      if (keys && PROTOTYPE_KEYS.has(keys[i])) return `${pathOf(container, key)} should not exist`;
      const child = record[key];
      if (typeof child === 'string') {
        const problem = textProblem(child);
        if (problem) return `${pathOf(container, key)} ${problem}`;
      } else if (child !== null && typeof child === 'object') {
        stack.push({ value: child, depth: container.depth + 1, parent: container, key });
      }
    }
  }
  return undefined;
}

/** Mount right after the JSON parser and its error handler: see bodyProblem. */
export function refuseHostileBody(req: Request, res: Response, next: NextFunction): void {
  const problem = bodyProblem(req.body);
  if (problem) return fail(res, 400, problem);
  next();
}

const RAW_BODY = Symbol('rawBody');

/**
 * The JSON parser's `verify` hook: keeps the bytes as they came, for a signature computed over
 * them (re-serialising the parsed body would not give the same bytes back).
 */
export function keepRawBody(req: unknown, _res: unknown, buf: Buffer): void {
  (req as { [RAW_BODY]?: Buffer })[RAW_BODY] = buf;
}

/** The body's bytes, where the parser was given keepRawBody; undefined for no body. */
export function rawBodyOf(req: unknown): Buffer | undefined {
  return (req as { [RAW_BODY]?: Buffer })[RAW_BODY];
}
