import { randomUUID } from 'node:crypto';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { ClsServiceManager, ClsStore } from 'nestjs-cls';
import { CORRELATION_ID } from '../context/request-context';

type WithCorrelationId = Request & { correlationId: string };

/** The request's Correlation-ID, or a new one; the same value is echoed on the response. */
function correlationIdOf(req: Request): string {
  const given = req.headers['correlation-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value && value.length <= 200 ? value : randomUUID();
}

/**
 * Echoes the Correlation-ID on every response and keeps it on the request, where the request
 * log and, later, the CLS context (requestContext) find it.
 */
export function correlationId(req: Request, res: Response, next: NextFunction): void {
  const id = correlationIdOf(req);
  res.setHeader('Correlation-ID', id);
  (req as WithCorrelationId).correlationId = id;
  next();
}

/**
 * The CLS context each request runs in: it carries the Correlation-ID into every message and
 * external call the request causes. Mounted after `correlationId`. One AsyncLocalStorage run
 * with the store filled, instead of nestjs-cls's ClsMiddleware, which awaits four optional
 * steps (plugin hooks, id generation, proxy providers) this app uses none of, and keeps the
 * request in the store, which nothing reads.
 */
export function requestContext(): RequestHandler {
  return (req, _res, next) =>
    ClsServiceManager.getClsService().runWith(
      { [CORRELATION_ID]: (req as WithCorrelationId).correlationId } as ClsStore,
      next,
    );
}
