import fc from 'fast-check';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { TestEnv } from '../support/test-env';
import { createBooking, createShow, footprint, quietFootprint } from '../flows/support';
import { startJourney } from '../support/journey';

/**
 * Spec §9: every endpoint, fed random and hostile input, answers 2xx or a 4xx in the error shape
 * ({statusCode, error, message}), never a 5xx, never hangs; a 4xx writes nothing.
 *
 * Seeded: FUZZ_SEED repeats a run (the seed is printed at the start and in any failure).
 * FUZZ_RUNS (default 40 per endpoint) or FUZZ_SECONDS (a time budget per endpoint; `npm run
 * fuzz` gives about ten minutes in all) make it longer.
 */
const SEED = Number(process.env.FUZZ_SEED) || Date.now() % 2 ** 31;
const SECONDS = Number(process.env.FUZZ_SECONDS) || 0;
const RUNS = SECONDS ? Number.MAX_SAFE_INTEGER : Number(process.env.FUZZ_RUNS) || 40;
const ANSWER_TIMEOUT_MS = 10_000;

// ---------- hostile values ----------
const hugeNumbers = fc.constantFrom(
  1e308,
  -1e308,
  2 ** 53,
  2 ** 31,
  -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER + 2,
  1e-320,
  -0,
  0.5,
  -1,
  '1e400',
  '99999999999999999999999999999',
);
const hostileStrings = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\u202e',
    '💥'.repeat(300),
    'a'.repeat(100_000),
    '../../etc/passwd',
    "'; DROP TABLE bookings; --",
    '%00',
    '${jndi:ldap://x}',
    '<script>alert(1)</script>',
    'ADA@EXAMPLE.COM',
    'a@b',
    '2030-02-30T25:61:61Z',
    '0000-01-01T00:00:00Z',
    '99999-01-01T00:00:00Z',
    '2030-05-01T20:00:00+99:99',
    'AB8D8A71-6E1C-4A2B-9C3D-1E2F3A4B5C6D',
  ),
);
const uuids = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileStrings,
  hugeNumbers,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.array(fc.constant({}), { minLength: 1000, maxLength: 3000 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(nested(40)),
);
function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
/** A field: mostly plausible, often hostile. */
const field = <T>(good: fc.Arbitrary<T>) => fc.oneof(good, good, anyValue);

/** An object of known fields (each may be missing), plus unknown and prototype keys, as raw JSON. */
function body(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const record = fc.record(fields, { requiredKeys: [] });
  const extra = fc.oneof(
    fc.constant(''),
    fc.constant('"__proto__": {"isAdmin": true}'),
    fc.constant('"constructor": {"prototype": {"x": 1}}'),
    fc.string({ maxLength: 10 }).map((k) => `${JSON.stringify(k)}: 1`),
  );
  return fc.oneof(
    fc.tuple(record, extra).map(([r, e]) => {
      const json = JSON.stringify(r);
      return e ? (json === '{}' ? `{${e}}` : `${json.slice(0, -1)}, ${e}}`) : json;
    }),
    anyValue.map((v) => JSON.stringify(v) ?? 'null'),
    fc.constantFrom('{', '[', '{"a":', '\u0000', '', 'null', '"text"', '{"a":1,"a":2}'),
  );
}

/** A header value Node's client can send: printable ASCII, tab, latin-1. */
const headerValue = fc.oneof(
  uuids,
  fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')),
  fc.constantFrom('k'.repeat(201), 'x\ty', '\u00e9\u00ff', ''),
);
/** Every byte of the UTF-8 form as %XX (encodeURIComponent throws on a lone surrogate). */
const percentEncoded = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const pathValue = fc.oneof(
  uuids,
  hostileStrings.map((s) => percentEncoded(s.slice(0, 2000))),
  fc.constantFrom(
    '..%2F..%2Fetc',
    '%',
    '%ZZ',
    '%ED%A0%80', // an encoded lone surrogate: not UTF-8
    '%FF%FE',
    '1e400',
    '-1',
    '0x10',
    'null',
    '__proto__',
  ),
);
const queryValue = fc.oneof(
  hostileStrings.map((s) => s.slice(0, 2000)),
  hugeNumbers.map(String),
  fc.constantFrom('2026-12-01', '2026-02-30', '0000-00-00', '[]', 'a&b=c'),
);

/** Redis lists keys in no fixed order: compare footprints key by key. */
const canonical = (counts: Record<string, number>) =>
  JSON.stringify(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

interface Call {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

describe('fuzzing every endpoint (fast-check)', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;
  let showId: string;
  let bookingId: string;
  let baseline: Record<string, number>;

  beforeAll(async () => {
    process.stdout.write(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} repeats this run)\n`);
    ({ sim, url } = await startJourney(env));
    showId = await createShow(url, { number_of_tickets: 1000 });
    bookingId = await createBooking(url, { show_id: showId });
    baseline = await quietFootprint(env);
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  async function send(call: Call): Promise<request.Response> {
    let req = request(url)[call.method](call.path).timeout(ANSWER_TIMEOUT_MS);
    for (const [name, value] of Object.entries(call.headers ?? {})) req = req.set(name, value);
    if (call.body !== undefined) req = req.set('Content-Type', 'application/json').send(call.body);
    return req;
  }

  /** The property: 2xx, or a 4xx in the error shape that wrote nothing; never 5xx or a hang. */
  async function answersWell(call: Call): Promise<void> {
    const res = await send(call);
    const where = `${call.method.toUpperCase()} ${call.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`5xx: ${where}`);
    if (res.status >= 400) {
      const b = res.body;
      if (
        b?.statusCode !== res.status ||
        typeof b.error !== 'string' ||
        !(typeof b.message === 'string' || Array.isArray(b.message))
      ) {
        throw new Error(`4xx without the error shape: ${where}`);
      }
      const now = await footprint(env);
      if (canonical(now) !== canonical(baseline)) {
        throw new Error(
          `a 4xx wrote: ${where}\nbefore ${JSON.stringify(baseline)}\nafter  ${JSON.stringify(now)}`,
        );
      }
    } else if (res.status >= 200 && res.status < 300) {
      baseline = await quietFootprint(env); // it may have written: the new normal
    } else {
      throw new Error(`neither 2xx nor 4xx: ${where}`);
    }
  }

  const check = async (arb: fc.Arbitrary<Call>) => {
    await fc.assert(
      fc.asyncProperty(arb, (call) => answersWell(call)),
      {
        seed: SEED,
        numRuns: RUNS,
        ...(SECONDS
          ? { interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false }
          : {}),
        endOnFailure: true,
      },
    );
  };
  const timeout = SECONDS ? SECONDS * 1000 + 60_000 : 120_000;

  const headers = fc.record(
    {
      'Idempotency-Key': headerValue,
      'Correlation-ID': headerValue,
      traceparent: headerValue,
      Authorization: headerValue,
    },
    { requiredKeys: [] },
  );

  it(
    'POST /api/shows',
    () =>
      check(
        fc
          .tuple(
            body({
              dead_nation_id: field(uuids),
              number_of_tickets: field(fc.integer({ min: 0, max: 100 })),
              start_time: field(
                fc.constantFrom('2030-05-01T20:00:00Z', '2030-05-01T20:00:00+02:00'),
              ),
              title: field(fc.string({ maxLength: 50 })),
              venue: field(fc.string({ maxLength: 50 })),
            }),
            headers,
          )
          .map(([b, h]) => ({ method: 'post', path: '/api/shows', body: b, headers: h })),
      ),
    timeout,
  );

  it(
    'POST /api/book-tickets',
    () =>
      check(
        fc
          .tuple(
            body({
              show_id: field(fc.oneof(fc.constant('SHOW'), uuids)),
              number_of_tickets: field(fc.integer({ min: -5, max: 60 })),
              customer_email: field(fc.emailAddress()),
            }),
            headers,
          )
          .map(([b, h]) => ({
            method: 'post',
            path: '/api/book-tickets',
            body: b.replace('"SHOW"', JSON.stringify(showId)),
            headers: h,
          })),
      ),
    timeout,
  );

  it(
    'POST /api/tickets-status',
    () =>
      check(
        fc
          .tuple(
            fc.oneof(
              body({
                tickets: field(
                  fc.array(
                    fc.record(
                      {
                        ticket_id: field(uuids),
                        status: field(fc.constantFrom('confirmed', 'canceled')),
                        customer_email: field(fc.emailAddress()),
                        price: field(
                          fc.record({
                            amount: field(fc.constantFrom('50.00', '0.01', '99999999.99')),
                            currency: field(fc.constantFrom('EUR', 'USD')),
                          }),
                        ),
                        booking_id: field(fc.oneof(fc.constant('BOOKING'), uuids)),
                      },
                      { requiredKeys: [] },
                    ),
                    { maxLength: 5 },
                  ),
                ),
              }),
              fc.constant(JSON.stringify({ tickets: new Array(501).fill({}) })),
            ),
            headers,
          )
          .map(([b, h]) => ({
            method: 'post',
            path: '/api/tickets-status',
            body: b.replace(/"BOOKING"/g, JSON.stringify(bookingId)),
            headers: h,
          })),
      ),
    timeout,
  );

  it(
    'GET /api/tickets',
    () =>
      check(
        fc
          .tuple(fc.record({ after: queryValue, limit: queryValue }, { requiredKeys: [] }), headers)
          .map(([q, h]) => ({
            method: 'get',
            path: `/api/tickets?${new URLSearchParams(q as Record<string, string>)}`,
            headers: h,
          })),
      ),
    timeout,
  );

  it(
    'PUT /api/ticket-refund/:ticket_id and GET /api/ops/bookings/:booking_id',
    () =>
      check(
        fc
          .tuple(
            fc.constantFrom('put', 'get'),
            pathValue,
            fc.option(body({ reason: anyValue })),
            headers,
          )
          .map(([method, id, b, h]) => ({
            method: method,
            path: method === 'put' ? `/api/ticket-refund/${id}` : `/api/ops/bookings/${id}`,
            body: b ?? undefined,
            headers: h,
          })),
      ),
    timeout,
  );

  it(
    'GET /api/ops/bookings, /health*, /metrics, /api/docs-json and unknown routes',
    () =>
      check(
        fc
          .tuple(
            fc.constantFrom(
              '/api/ops/bookings',
              '/health',
              '/health/live',
              '/health/ready',
              '/metrics',
              '/api/docs-json',
              '/api/nothing',
              '/api/shows',
              '/api/book-tickets',
            ),
            fc.constantFrom('get', 'post', 'put', 'delete', 'patch'),
            fc.record({ receipt_issue_date: queryValue, x: queryValue }, { requiredKeys: [] }),
            fc.option(body({ x: anyValue })),
            headers,
          )
          .filter(([path, method]) => !(method === 'post' && /shows|book-tickets/.test(path)))
          .map(([path, method, q, b, h]) => ({
            method: method,
            path: `${path}?${new URLSearchParams(q as Record<string, string>)}`,
            body: b ?? undefined,
            headers: h,
          })),
      ),
    timeout,
  );
});
