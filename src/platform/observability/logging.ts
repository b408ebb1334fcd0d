import { isSpanContextValid, trace } from '@opentelemetry/api';
import { LogLevel, NestApplicationOptions } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { Params } from 'nestjs-pino';
import pino, { DestinationStream, LevelWithSilent, Logger, LoggerOptions } from 'pino';
import { CORRELATION_ID } from '../context/request-context';
import { serializeError } from './error-serializer';

/** `trace_id` and `span_id` of the active span, if there is one. */
export function activeTraceIds(): Record<string, string> | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx)
    ? { trace_id: ctx.traceId, span_id: ctx.spanId }
    : undefined;
}

/** The correlation id of the request or message being handled; none outside of one. */
function activeCorrelationId(): string | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.get<string>(CORRELATION_ID) : undefined;
}

/**
 * Added to every line (pino mixin): `correlation_id` from the CLS context of the request or
 * message, `trace_id` and `span_id` from the active span. A key the logger already carries (a
 * request's logger binds its correlation id, its last line the request span) is left alone, so
 * no line repeats a key.
 */
export function contextFields(_merge: object, _level: number, logger: Logger): object {
  const bound: string = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym];
  const fields: Record<string, string> = {};
  if (!bound?.includes('"correlation_id"')) {
    const id = activeCorrelationId();
    if (id) fields.correlation_id = id;
  }
  if (!bound?.includes('"trace_id"')) Object.assign(fields, activeTraceIds());
  return fields;
}

/**
 * nestjs-pino: JSON lines on stdout, for whatever the code logs through Nest's Logger; or, given
 * a `pretty` stream (prettyStream()), coloured lines for a person. Its per-request middleware
 * (pino-http) is not mounted: request lines come from requestLog (request-log.ts), which costs a
 * fraction of it.
 */
export function loggerParams(level: LevelWithSilent, pretty?: DestinationStream): Params {
  const options: LoggerOptions = {
    level,
    base: { service: 'tickets', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: contextFields,
    // database errors lose their SQL and parameters (customer data) before they are written
    serializers: { err: serializeError },
  };
  if (!pretty) return { forRoutes: [], pinoHttp: options };
  // pino-pretty colours by the numeric level: keep pino's own
  const { formatters: _labels, ...numericLevels } = options;
  return { forRoutes: [], pinoHttp: [numericLevels, pretty] };
}

type Prettifier = (options: Record<string, unknown>) => DestinationStream;

/**
 * Human-readable, coloured log lines when stdout is a terminal and pino-pretty (a dev dependency)
 * is installed; otherwise undefined, and the lines stay JSON: piped into jq or a log collector,
 * and always in the production image, which installs no dev dependency.
 */
export function prettyStream(
  isTTY: boolean = process.stdout.isTTY === true,
  load: (name: string) => unknown = require,
): DestinationStream | undefined {
  if (!isTTY) return undefined;
  let module: { default?: Prettifier } & Prettifier;
  try {
    module = load('pino-pretty') as typeof module;
  } catch (e) {
    if (e?.code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  const prettify = module.default ?? module;
  return prettify({
    colorize: true,
    // synchronous, like pino's own stdout: nothing is lost when the process exits
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
}

const NEST_TO_PINO: Record<LogLevel, LevelWithSilent> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};
const SEVERITY: LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * LOG_LEVEL, made quieter (never louder) by a Nest `logger` option given to createApp: the
 * in-process test apps pass `['error']`, and keep the output of a test run readable.
 */
export function effectiveLogLevel(
  configured: LevelWithSilent,
  nestLogger?: NestApplicationOptions['logger'],
): LevelWithSilent {
  let limit: LevelWithSilent | undefined;
  if (nestLogger === false) limit = 'silent';
  else if (Array.isArray(nestLogger)) {
    const levels = nestLogger.map((l) => SEVERITY.indexOf(NEST_TO_PINO[l]));
    limit = levels.length ? SEVERITY[Math.min(...levels)] : 'silent';
  }
  if (!limit) return configured;
  return SEVERITY[Math.max(SEVERITY.indexOf(configured), SEVERITY.indexOf(limit))];
}
