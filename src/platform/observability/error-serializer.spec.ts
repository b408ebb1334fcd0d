import { Writable } from 'node:stream';
import pino, { LoggerOptions, stdSerializers } from 'pino';
import { QueryFailedError } from 'typeorm';
import { serializeError } from './error-serializer';
import { loggerParams } from './logging';

/** What pg's DatabaseError carries for a failed INSERT (a check constraint). */
function databaseError(message: string, fields: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), {
    name: 'error',
    severity: 'ERROR',
    code: '23514',
    detail: 'Failing row contains (7f1c2e3d, ada@example.com).',
    where: "unnamed portal parameter $4 = 'ada@example.com'",
    schema: 'public',
    table: 'bookings',
    constraint: 'disk_on_fire',
    routine: 'ExecConstraints',
    ...fields,
  });
}

const queryFailed = (message = 'new row violates check constraint "disk_on_fire"') =>
  new QueryFailedError(
    'INSERT INTO bookings (customer_email) VALUES ($1)',
    ['ada@example.com'],
    databaseError(message),
  );

describe('serializeError', () => {
  it('keeps class, message, SQL state and the names of what failed; drops SQL, parameters, detail', () => {
    const out = serializeError(stdSerializers.err(queryFailed()));
    expect(out).toEqual({
      type: 'QueryFailedError',
      message: 'new row violates check constraint "disk_on_fire"',
      stack: expect.stringMatching(/^QueryFailedError: new row violates/),
      code: '23514',
      severity: 'ERROR',
      schema: 'public',
      table: 'bookings',
      constraint: 'disk_on_fire',
      routine: 'ExecConstraints',
    });
    expect(JSON.stringify(out)).not.toContain('ada@example.com');
  });

  it('takes the raw error as well as one pino has serialised', () => {
    const err = queryFailed();
    expect(serializeError(err)).toEqual(serializeError(stdSerializers.err(err)));
  });

  it('hides the value PostgreSQL quotes at the end of a message, in the stack too', () => {
    const out = serializeError(
      queryFailed('invalid input syntax for type uuid: "ada@example.com"'),
    );
    expect(out.message).toBe('invalid input syntax for type uuid: "…"');
    expect(JSON.stringify(out)).not.toContain('ada@example.com');
  });

  it('treats pg’s own DatabaseError like TypeORM’s', () => {
    const out = serializeError(databaseError('boom'));
    expect(out).toMatchObject({ message: 'boom', code: '23514', table: 'bookings' });
    expect(JSON.stringify(out)).not.toContain('ada@example.com');
  });

  it('leaves other errors as pino writes them', () => {
    const gateway = Object.assign(new Error('Payments refund: 500'), { status: 500, attempts: 4 });
    expect(serializeError(stdSerializers.err(gateway))).toEqual(stdSerializers.err(gateway));
    expect(serializeError('not an error')).toBe('not an error');
  });

  it('cleans a database error nested in another', () => {
    const wrapper = Object.assign(new Error('handler failed'), { failure: queryFailed() });
    expect(JSON.stringify(serializeError(stdSerializers.err(wrapper)))).not.toMatch(
      /ada@example\.com|INSERT INTO/,
    );
  });

  it('is what a logger built with loggerParams writes', () => {
    const raw: string[] = [];
    const logger = pino(
      loggerParams('info').pinoHttp as LoggerOptions,
      new Writable({
        write(chunk, _enc, done) {
          raw.push(String(chunk));
          done();
        },
      }),
    );
    logger.error({ err: queryFailed() }, 'unexpected error');
    expect(raw.join('')).not.toMatch(/ada@example\.com|INSERT INTO|parameters/);
    expect(JSON.parse(raw[0]).err.code).toBe('23514');
  });
});
