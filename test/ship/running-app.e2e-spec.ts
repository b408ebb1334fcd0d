import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { openApiText } from '../../src/platform/http/openapi-file';
import { exited, listeningUrl, ROOT, TestEnv } from '../support/test-env';
import { alertRules, dashboardQueries, exposedNames, metricNames } from './support';

/** What the dashboard must chart (issue 18): HTTP, handlers, groups, outbox, dead letters, Node.js. */
const CHARTED = [
  'http_requests_total',
  'http_request_duration_seconds_bucket',
  'messages_processed_total',
  'messages_processing_failed_total',
  'messages_processing_duration_seconds_bucket',
  'consumer_group_pending',
  'outbox_backlog',
  'outbox_oldest_unpublished_age_seconds',
  'dead_letters',
  'messages_dead_lettered_total',
  'process_resident_memory_bytes',
];

/**
 * The compiled app, as `npm run start:prod` runs it (every role): what the Grafana dashboard and
 * the Prometheus alerts query must be there, the start-up banner must say where things are, and
 * openapi.json must be the document it serves.
 */
describe('the running app against the shipped files', () => {
  const env = new TestEnv();
  let app: ReturnType<TestEnv['spawn']>;
  let url: string;

  beforeAll(async () => {
    app = env.spawn('src/main.js', { GATEWAY_URL: 'http://127.0.0.1:1' });
    url = await listeningUrl(app);
    // Series that appear only with traffic: one request of each kind, answered or refused.
    await request(url).get('/health/live').expect(200);
    await request(url).get('/api/tickets').expect(200);
  });
  afterAll(async () => {
    app.kill('SIGTERM');
    await exited(app);
    await env.close();
  });

  it('exposes every metric the Grafana dashboard and the alert rules query', async () => {
    const queries = [
      ...dashboardQueries().map((q) => ({ where: `panel "${q.panel}"`, expr: q.expr })),
      ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ];
    const used = queries.flatMap((q) => metricNames(q.expr).map((name) => ({ ...q, name })));
    expect(used.map((u) => u.name)).toEqual(expect.arrayContaining(CHARTED));
    const exposed = exposedNames((await request(url).get('/metrics').expect(200)).text);
    const missing = used.filter((u) => !exposed.has(u.name)).map((u) => `${u.name} (${u.where})`);
    expect(missing).toEqual([]);
  });

  it('prints one start-up line with the app, API docs, metrics and gateway URLs', () => {
    const banner = app.output
      .join('')
      .split('\n')
      .find((line) => line.includes('listening on'));
    const msg = JSON.parse(banner!).msg as string;
    expect(msg).toBe(
      `roles api,worker,relay; listening on ${url} | API docs ${url}/api/docs | metrics ${url}/metrics | gateway http://127.0.0.1:1`,
    );
  });

  it('serves the OpenAPI document committed as openapi.json (npm run openapi rewrites it)', async () => {
    const served = (await request(url).get('/api/docs-json').expect(200)).body;
    const committed = readFileSync(join(ROOT, 'openapi.json'), 'utf8');
    expect(committed).toBe(openApiText(served));
  });
});
