import { stdSerializers } from 'pino';

/**
 * What a database error may keep in a log line: its class, message and stack, PostgreSQL's SQL
 * state, and the names of what failed. Everything else may quote customer data: TypeORM's
 * QueryFailedError carries the statement (`query`), its `parameters` and the `driverError`, and
 * PostgreSQL's `detail` ("Failing row contains (…, ada@example.com)"), `where` and
 * `internalQuery` quote values.
 */
const DATABASE_FIELDS = [
  'type',
  'message',
  'stack',
  'code',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'routine',
];

type Serialized = Record<string, unknown>;

/** TypeORM's QueryFailedError, or pg's DatabaseError (a 5-character SQL state and a severity). */
function isDatabaseError(err: Serialized): boolean {
  return (
    err.type === 'QueryFailedError' ||
    'driverError' in err ||
    'parameters' in err ||
    (typeof err.code === 'string' && err.code.length === 5 && 'severity' in err)
  );
}

/** PostgreSQL ends some messages with the value it refused: `…for type uuid: "ada@…"`. */
const QUOTED_VALUE = /: ".*"$/s;

function withoutQuotedValue(err: Serialized): Serialized {
  const message = err.message;
  if (typeof message !== 'string') return err;
  const hidden = message.replace(QUOTED_VALUE, ': "…"');
  if (hidden === message) return err;
  const stack = typeof err.stack === 'string' ? err.stack.replace(message, hidden) : err.stack;
  return { ...err, message: hidden, stack };
}

function clean(err: Serialized): Serialized {
  if (isDatabaseError(err)) {
    const kept: Serialized = {};
    for (const field of DATABASE_FIELDS) if (err[field] !== undefined) kept[field] = err[field];
    return withoutQuotedValue(kept);
  }
  const out: Serialized = { ...err };
  for (const [key, value] of Object.entries(out)) {
    if (value && typeof value === 'object' && 'stack' in value && 'message' in value) {
      out[key] = clean(value); // an error inside an error, as pino serialised it
    }
  }
  if (Array.isArray(out.aggregateErrors)) {
    out.aggregateErrors = out.aggregateErrors.map((e: Serialized) => clean(e));
  }
  return out;
}

/**
 * pino's `err` serializer: the standard one, then database errors reduced to what may be logged
 * (DATABASE_FIELDS), so no log line carries SQL parameters or the customer data in them (spec
 * §9). Takes a raw error or one already serialised (pino-http applies the standard serializer
 * before a custom one).
 */
export function serializeError(err: unknown): any {
  if (err instanceof Error) err = stdSerializers.err(err);
  if (!err || typeof err !== 'object') return err;
  return clean(err as Serialized);
}
