import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { LoadResult } from './load';
import { ROOT, run } from './processes';

export interface Row {
  area: string;
  figure: string;
  value: string;
  ceiling?: string;
  ratio?: string;
  target?: string;
  pass?: boolean;
}

export interface Report {
  rows: Row[];
  /** bookings over 1,000 shows at each connection count: the latency-against-load chart */
  curve: LoadResult[];
  notes: string[];
  quick: boolean;
  /** the sections run (`--only`), when not all */
  only?: string[];
  started: Date;
}

/** Writes bench/results/<date>-<HHMM>[-quick][-only-…].md and its chart (.svg); returns the markdown. */
export async function writeReport(report: Report): Promise<{ markdown: string; file: string }> {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // One file per run (UTC date and time): a later run the same day, or a partial one, never
  // overwrites a committed report.
  const iso = report.started.toISOString();
  const stamp =
    `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}` +
    (report.quick ? '-quick' : '') +
    (report.only ? `-only-${report.only.join('-')}` : '');
  const svgName = `${stamp}.svg`;
  const lines = [
    `# Benchmark ${report.started.toISOString().slice(0, 16).replace('T', ' ')} UTC${report.quick ? ' (--quick)' : ''}`,
    '',
    table(report.rows),
    '',
    '## Machine and versions',
    '',
    ...(await machine(report.started)).map((l) => `- ${l}`),
    '',
  ];
  if (report.curve.length > 0) {
    writeFileSync(join(dir, svgName), svgChart(report.curve));
    lines.push(
      '## Latency against load (bookings over 1,000 shows, one app process)',
      '',
      `![latency against load](${svgName})`,
      '',
      '```',
      asciiChart(report.curve),
      '```',
      '',
      '| connections | req/s | p50 ms | p95 ms | p99 ms | app CPU (cores) | app CPU per booking | machine busy |',
      '|---|---|---|---|---|---|---|---|',
      ...report.curve.map(
        (r) =>
          `| ${r.connections} | ${Math.round(r.rps)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.appCores.toFixed(2)} | ${Math.round(r.cpuPerReqUs)} µs | ${Math.round(r.machineBusy * 100)} % |`,
      ),
      '',
    );
  }
  if (report.notes.length) lines.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  const markdown = lines.join('\n');
  const file = join(dir, `${stamp}.md`);
  writeFileSync(file, markdown);
  return { markdown, file };
}

export function table(rows: Row[]): string {
  const cell = (s?: string) => (s ?? '').replace(/\|/g, '\\|');
  return [
    '| area | figure | measured | ceiling / peer (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${cell(r.area)} | ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.ceiling)} | ${cell(r.ratio)} | ${cell(r.target)} | ${r.pass === undefined ? '' : r.pass ? 'yes' : '**no**'} |`,
    ),
  ].join('\n');
}

async function machine(started: Date): Promise<string[]> {
  const version = (pkg: string) =>
    JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  const safe = async (f: () => Promise<string>) => f().catch(() => '?');
  const pg = await safe(async () =>
    (
      await run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-tAc', 'show server_version'])
    ).trim(),
  );
  const redis = await safe(
    async () => /redis_version:(\S+)/.exec(await run('redis-cli', ['INFO', 'server']))?.[1] ?? '?',
  );
  const commit = await safe(async () =>
    (await run('git', ['-C', ROOT, 'log', '-1', '--format=%h %s'])).trim(),
  );
  const model = cpus()[0]?.model ?? '?';
  return [
    `${cpus().length} cores (${model}); ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${Math.round(freemem() / 2 ** 30)} GiB free`,
    `load average at the end (1/5/15 min): ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' / ',
      )} — the cores are shared with PostgreSQL, Redis, the load generator and anyone else's work; started ${started.toISOString()}`,
    `Node ${process.version}; PostgreSQL ${pg}; Redis ${redis}; autocannon ${version('autocannon')}; BullMQ ${version('bullmq')}; pg ${version('pg')}; ioredis ${version('ioredis')}; TypeORM ${version('typeorm')}; NestJS ${version('@nestjs/core')}`,
    `commit: ${commit}`,
  ];
}

/** Latency (p50, p99) against throughput, one point per connection count; hand-rolled SVG. */
export function svgChart(curve: LoadResult[]): string {
  const W = 640;
  const H = 360;
  const m = { l: 60, r: 20, t: 30, b: 50 };
  const maxX = niceCeil(Math.max(...curve.map((r) => r.rps)));
  const maxY = niceCeil(Math.max(...curve.map((r) => r.p99)));
  const x = (v: number) => m.l + (v / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / maxY) * (H - m.t - m.b);
  const series = (key: 'p50' | 'p95' | 'p99', color: string) => {
    const pts = curve.map((r) => `${x(r.rps).toFixed(1)},${y(r[key]).toFixed(1)}`);
    return [
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`,
      ...curve.map(
        (r) =>
          `<circle cx="${x(r.rps).toFixed(1)}" cy="${y(r[key]).toFixed(1)}" r="3" fill="${color}"><title>${r.connections} connections: ${Math.round(r.rps)} req/s, ${key} ${r[key].toFixed(1)} ms</title></circle>`,
      ),
    ].join('\n');
  };
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">POST /api/book-tickets: latency against throughput (labels: connections)</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y(t * maxY)}" y2="${y(t * maxY)}" stroke="#ddd"/><text x="${m.l - 6}" y="${y(t * maxY) + 4}" text-anchor="end">${Math.round(t * maxY)}</text>`,
    ),
    ...ticks.map(
      (t) =>
        `<text x="${x(t * maxX)}" y="${H - m.b + 16}" text-anchor="middle">${Math.round(t * maxX)}</text>`,
    ),
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">successful bookings per second</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">latency (ms)</text>`,
    series('p50', '#1f77b4'),
    series('p95', '#ff7f0e'),
    series('p99', '#d62728'),
    ...curve.map(
      (r) => `<text x="${x(r.rps) + 5}" y="${y(r.p99) - 6}" fill="#555">${r.connections}</text>`,
    ),
    `<text x="${W - m.r - 90}" y="${m.t + 10}" fill="#1f77b4">— p50</text>`,
    `<text x="${W - m.r - 90}" y="${m.t + 24}" fill="#ff7f0e">— p95</text>`,
    `<text x="${W - m.r - 90}" y="${m.t + 38}" fill="#d62728">— p99</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** The same chart in text: one bar per connection count, p50 (=) and p99 (-) to scale. */
export function asciiChart(curve: LoadResult[]): string {
  const maxY = Math.max(...curve.map((r) => r.p99));
  const width = 50;
  return [
    'conns   req/s   latency: = p50, - up to p99 (ms)',
    ...curve.map((r) => {
      const p50 = Math.max(1, Math.round((r.p50 / maxY) * width));
      const p99 = Math.max(p50, Math.round((r.p99 / maxY) * width));
      return `${String(r.connections).padStart(5)} ${String(Math.round(r.rps)).padStart(7)}   ${'='.repeat(p50)}${'-'.repeat(p99 - p50)} ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)}`;
    }),
  ].join('\n');
}

function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const s of [1, 2, 2.5, 5, 10]) if (v <= s * p) return s * p;
  return 10 * p;
}
