import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { Request, Response } from 'express';
import pino from 'pino';
import { requestLog } from './request-log';

describe('requestLog', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const middleware = requestLog(logger);

  /** Runs one request through the middleware and closes it, answered with `status` or not. */
  function request(url: string, status: number, answered = true): boolean {
    const req = { method: 'POST', url, originalUrl: url, correlationId: 'c-1' };
    const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: false });
    let nextCalled = false;
    middleware(req as unknown as Request, res as unknown as Response, () => (nextCalled = true));
    res.statusCode = status;
    res.writableFinished = answered;
    res.emit('close'); // Node emits it after 'finish', or alone when the connection went first
    return nextCalled;
  }

  beforeEach(() => (lines.length = 0));

  it('writes one line per finished request, in the shape pino-http wrote', () => {
    expect(request('/api/book-tickets', 201)).toBe(true);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        correlation_id: 'c-1',
        req: { method: 'POST', url: '/api/book-tickets' },
        res: { status: 201 },
        responseTime: expect.any(Number),
        msg: 'request completed',
      }),
    ]);
  });

  it('warns for 4xx and errors for 5xx', () => {
    request('/api/book-tickets', 404);
    request('/api/book-tickets', 503);
    expect(lines.map((l) => l.level)).toEqual([40, 50]);
  });

  it('writes an error line for a request whose connection closed before the answer', () => {
    request('/api/book-tickets', 200, false);
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'request aborted', correlation_id: 'c-1' }),
    ]);
  });

  it('leaves out health probes and metric scrapes, and still passes them on', () => {
    expect(request('/health', 200)).toBe(true);
    expect(request('/metrics', 200)).toBe(true);
    expect(lines).toEqual([]);
  });

  it('respects the level: at warn, successful requests write nothing', () => {
    logger.level = 'warn';
    request('/api/book-tickets', 201);
    request('/api/book-tickets', 400);
    logger.level = 'info';
    expect(lines.map((l) => l.level)).toEqual([40]);
  });
});
