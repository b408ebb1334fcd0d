import { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger } from 'pino';
import { activeTraceIds } from './logging';
import { PROBE_PATHS } from './probe-paths';

/**
 * One JSON line per request (the shape pino-http writes: `req`, `res`, `responseTime`, and
 * `msg: "request completed"`, or `"request aborted"` at error level when the connection closed
 * first), with the request's Correlation-ID and trace ids; warn for 4xx, error for 5xx. Written
 * by hand because pino-http, even with its line switched off, makes a child logger and an async
 * context per request: about a tenth of a booking's CPU (perf, see docs/performance.md).
 * Mounted after the correlation middleware, which sets `correlationId`.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!PROBE_PATHS.test(req.url)) logWhenClosed(logger, req, res);
    next();
  };
}

function logWhenClosed(logger: Logger, req: Request, res: Response): void {
  const started = Date.now();
  const { method, originalUrl: url } = req;
  // the request's span, taken now: the close event may run outside its context
  const ids = activeTraceIds();
  const write = (level: 'info' | 'warn' | 'error', msg: string) => {
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        correlation_id: (req as Request & { correlationId?: string }).correlationId,
        req: { method, url },
        ...ids,
        res: { status: res.statusCode },
        responseTime: Date.now() - started,
      },
      msg,
    );
  };
  res.once('close', () => {
    // 'close' comes after 'finish' for an answered request, alone for an abandoned one
    if (!res.writableFinished) return write('error', 'request aborted');
    const status = res.statusCode;
    write(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', 'request completed');
  });
}
