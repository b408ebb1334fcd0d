import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';

/**
 * Errors no endpoint expected (a database failure, a bug) become a 500 that tells the client
 * nothing of the statement, and one log line with the error (database errors reduced by
 * serializeError: class, message, SQL state, never the SQL or its parameters) and the route.
 * Nest's own handler logs the same error without the route and answers without `error`.
 * Everything with a status of its own (HttpException, the body parser's errors) goes to Nest's.
 */
@Catch()
export class UnexpectedErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('ExceptionsHandler');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof HttpException || hasOwnStatus(exception)) {
      return super.catch(exception, host);
    }
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    this.logger.error({
      msg: 'unexpected error',
      route: `${req.method} ${req.route?.path ?? req.path}`,
      err: exception,
    });
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(500).json({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
  }
}

/** An error from the http-errors family (Express middleware) carries its status. */
function hasOwnStatus(e: unknown): boolean {
  const status = (e as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}
