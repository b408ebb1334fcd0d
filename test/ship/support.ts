import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../support/test-env';

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/**
 * A YAML file of the repository; `<<` merge keys resolved and `${VAR:-default}` replaced by its
 * default, as docker compose does with nothing set in the environment.
 */
export const readYaml = <T = any>(path: string): T =>
  parse(
    read(path).replace(/\$\{\w+:-([^}]*)\}/g, (_, fallback: string) => fallback),
    { merge: true },
  ) as T;

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers outside strings, label matchers
 * `{…}`, ranges `[…]` and grouping lists `by (…)`, that are neither functions (followed by `(`)
 * nor keywords. Grafana's `$__rate_interval` style variables sit inside ranges.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  let rest = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  rest = rest.replace(/\$\{?\w+\}?/g, ' ');
  const token = /([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g;
  for (let m = token.exec(rest); m; m = token.exec(rest)) {
    const [, name, call] = m;
    const before = rest[m.index - 1];
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    if (before && /[0-9.]/.test(before)) continue; // a number's exponent or unit: 1e3, 5m
    names.add(name);
  }
  return [...names];
}

/** Every PromQL expression of the Grafana dashboard, with its panel's title. */
export function dashboardQueries(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(read('docker/grafana/dashboards/tickets.json'));
  const queries: { panel: string; expr: string }[] = [];
  const visit = (panels: any[]) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) queries.push({ panel: p.title, expr: t.expr });
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  return queries;
}

/** Every alert rule of docker/prometheus/alerts.yml. */
export function alertRules(): { alert: string; expr: string; for?: string }[] {
  const file = readYaml<{ groups: { rules: { alert: string; expr: string; for?: string }[] }[] }>(
    'docker/prometheus/alerts.yml',
  );
  return file.groups.flatMap((g) => g.rules);
}

/**
 * The series names a /metrics text can hold: each family of a `# TYPE` line (declared even
 * before its first sample), a histogram's and summary's derived series, and every sample's name.
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      names.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
    } else if (line && !line.startsWith('#')) {
      names.add(/^[^\s{]+/.exec(line)![0]);
    }
  }
  return names;
}
