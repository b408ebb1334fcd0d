import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ClsServiceManager } from 'nestjs-cls';
import pino from 'pino';
import { CORRELATION_ID } from '../context/request-context';
import { contextFields, effectiveLogLevel, loggerParams, prettyStream } from './logging';

describe('effectiveLogLevel', () => {
  it('is LOG_LEVEL unless a Nest logger option asks for less', () => {
    expect(effectiveLogLevel('info')).toBe('info');
    expect(effectiveLogLevel('info', ['error'])).toBe('error');
    expect(effectiveLogLevel('warn', ['error', 'warn', 'log'])).toBe('warn');
    expect(effectiveLogLevel('debug', ['log', 'error'])).toBe('info');
    expect(effectiveLogLevel('info', false)).toBe('silent');
    expect(effectiveLogLevel('error', ['verbose'])).toBe('error'); // never louder
  });
});

describe('log lines carry correlation and trace ids', () => {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = pino(
    { mixin: contextFields },
    new Writable({
      write(chunk, _enc, done) {
        raw.push(String(chunk));
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const span = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
  });

  beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());
  beforeEach(() => {
    lines.length = 0;
    raw.length = 0;
  });

  it('outside a request or message: neither', () => {
    logger.info('idle');
    expect(lines[0]).not.toHaveProperty('correlation_id');
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('inside: the CLS correlation id and the active span', async () => {
    const cls = ClsServiceManager.getClsService();
    await cls.run(async () => {
      cls.set(CORRELATION_ID, 'c-1');
      await context.with(trace.setSpan(context.active(), span), async () => {
        await Promise.resolve();
        logger.info('handled');
      });
    });
    expect(lines[0]).toMatchObject({
      correlation_id: 'c-1',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
  });

  it('a key the logger already binds is not repeated', () => {
    const cls = ClsServiceManager.getClsService();
    cls.run(() => {
      cls.set(CORRELATION_ID, 'from-cls');
      logger.child({ correlation_id: 'bound' }).info('request line');
    });
    expect(lines[0].correlation_id).toBe('bound');
    expect(raw[0].match(/correlation_id/g)).toHaveLength(1);
  });
});

describe('prettyStream', () => {
  const sink = new Writable({ write: (_c, _e, done) => done() });
  const fakePretty = jest.fn((_options: Record<string, unknown>) => sink);
  const notInstalled = (name: string) => {
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
  };

  it('is pino-pretty, coloured, when stdout is a terminal and the package is installed', () => {
    const load = jest.fn(() => fakePretty);
    expect(prettyStream(true, load)).toBe(sink);
    expect(load).toHaveBeenCalledWith('pino-pretty');
    expect(fakePretty).toHaveBeenCalledWith(
      expect.objectContaining({ colorize: true, sync: true }),
    );
  });

  it('is none (JSON lines) when stdout is not a terminal, or pino-pretty is not installed', () => {
    const load = jest.fn(() => fakePretty);
    expect(prettyStream(false, load)).toBeUndefined();
    expect(load).not.toHaveBeenCalled();
    expect(prettyStream(true, notInstalled)).toBeUndefined();
  });

  it('hands the stream to nestjs-pino, with numeric levels for pino-pretty to colour', () => {
    expect(loggerParams('info').pinoHttp).not.toBeInstanceOf(Array);
    const [options, stream] = loggerParams('info', sink).pinoHttp as [pino.LoggerOptions, Writable];
    expect(stream).toBe(sink);
    expect(options.formatters).toBeUndefined();
    expect(options.level).toBe('info');
  });
});
