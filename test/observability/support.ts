import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { listeningUrl, TestEnv } from '../support/test-env';

/** OTLP span kinds as exported (the API's SpanKind + 1). */
export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

export interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  status: { code?: number; message?: string };
  events: { name: string }[];
  startTime: bigint;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}
const attributesOf = (list: OtlpAttributes) =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));

/**
 * A collector in the test: accepts what exporter-trace-otlp-http sends (POST /v1/traces, JSON)
 * and keeps the spans, flattened.
 */
export async function otlpReceiver(port = 0) {
  const spans: ExportedSpan[] = [];
  const posts: { path: string; contentType: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '' });
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attributesOf(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId || undefined,
                name: s.name,
                kind: s.kind,
                attributes: attributesOf(s.attributes),
                links: (s.links ?? []).map((l: ExportedSpan['links'][0]) => ({
                  traceId: l.traceId,
                  spanId: l.spanId,
                })),
                status: s.status ?? {},
                events: s.events ?? [],
                startTime: BigInt(s.startTimeUnixNano ?? 0),
              });
            }
          }
        }
      } catch {
        // not JSON: counted in posts, no spans
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    spans,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The spans of one trace, with the questions the tests ask of them. */
export class Trace {
  readonly byId: Map<string, ExportedSpan>;

  constructor(
    readonly traceId: string,
    readonly spans: ExportedSpan[],
  ) {
    this.byId = new Map(spans.map((s) => [s.spanId, s]));
  }

  static of(all: ExportedSpan[], traceId: string): Trace {
    return new Trace(
      traceId,
      all.filter((s) => s.traceId === traceId),
    );
  }

  find(predicate: (s: ExportedSpan) => boolean): ExportedSpan[] {
    return this.spans.filter(predicate);
  }

  /** The span's parent chain up to the root (or the first parent not exported). */
  ancestors(span: ExportedSpan): ExportedSpan[] {
    const chain: ExportedSpan[] = [];
    for (let p = this.byId.get(span.parentSpanId ?? ''); p; p = this.byId.get(p.parentSpanId ?? ''))
      chain.push(p);
    return chain;
  }

  descendsFrom(span: ExportedSpan, ancestor: ExportedSpan): boolean {
    return this.ancestors(span).some((a) => a.spanId === ancestor.spanId);
  }

  /**
   * The tree as text, children in start order, for failure messages and docs/observability.md.
   * Spans whose name matches `fold` (e.g. the many pg.query) are counted, not listed.
   */
  render(fold?: RegExp): string {
    const children = new Map<string, ExportedSpan[]>();
    const roots: ExportedSpan[] = [];
    const byStart = (a: ExportedSpan, b: ExportedSpan) =>
      a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : 0;
    for (const s of [...this.spans].sort(byStart)) {
      if (s.parentSpanId && this.byId.has(s.parentSpanId)) {
        children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
      } else roots.push(s);
    }
    const kinds = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
    const lines: string[] = [];
    const walk = (s: ExportedSpan, depth: number) => {
      const group = s.attributes['messaging.consumer.group.name'];
      const extra = typeof group === 'string' ? ` [${group}]` : '';
      const link = s.links.length ? ' (link)' : '';
      const error = s.status.code === 2 ? ' ERROR' : '';
      const mine = children.get(s.spanId) ?? [];
      const folded = fold ? mine.filter((c) => fold.test(c.name)).length : 0;
      const more = folded ? ` (+${folded} ${fold!.source.replace(/^\^|\\/g, '')})` : '';
      lines.push(`${'  '.repeat(depth)}${s.name} <${kinds[s.kind]}>${extra}${link}${error}${more}`);
      for (const c of mine) if (!fold?.test(c.name)) walk(c, depth + 1);
    };
    roots.forEach((r) => walk(r, 0));
    return lines.join('\n');
  }
}

/** The trace id inside a W3C traceparent header. */
export const traceIdOf = (traceparent: string | null | undefined) =>
  traceparent?.split('-')[1] ?? null;

/**
 * Runs the compiled app (dist/src/main.js) as a child process: OpenTelemetry must start before
 * Nest and the clients load, which an in-process test app cannot do. The simulator posts its
 * webhooks to it.
 */
export async function spawnApp(
  env: TestEnv,
  sim: RunningSimulator,
  overrides: Record<string, string> = {},
) {
  const child = env.spawn('src/main.js', {
    PORT: '0', // chosen by the listen itself: no free-port race
    GATEWAY_URL: sim.url,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ...overrides,
  });
  const url = await listeningUrl(child);
  sim.configure({ webhook: { app_url: url } });
  return { child, url };
}

/** Every line the process wrote that parses as JSON; throws on one that does not. */
export function jsonLines(output: string[]): Record<string, any>[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)(?: -?\d+)?$/;
const TYPE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Prometheus text exposition format, checked line by line: HELP/TYPE comments, and samples
 * `name{label="value",…} number` of a declared family. Throws naming the first bad line.
 */
export function parsePrometheus(text: string): Sample[] {
  const families = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = TYPE.exec(line);
      if (type) families.set(type[1], type[2]);
      else if (!/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line))
        throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const [, name, labelText, raw] = m;
    const value = Number(raw.replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity'));
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value in: ${line}`);
    const family = name.replace(/_(bucket|sum|count)$/, '');
    if (!families.has(name) && !['histogram', 'summary'].includes(families.get(family) ?? ''))
      throw new Error(`sample of an undeclared family: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of one series (0 when absent, as a counter not yet incremented). */
export function seriesValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string>,
): number {
  const hit = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hit?.value ?? 0;
}
