import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { eventually, exited, ROOT, TestEnv } from '../support/test-env';
import { tempDir } from '../support/test-run';
import { jsonLines, spawnApp, traceIdOf } from './support';

/**
 * Spec §1: OTEL_EXPORTER_OTLP_ENDPOINT unset = tracing export off. Nothing is sent anywhere
 * (every outgoing connection of the app is logged, and none goes elsewhere than PostgreSQL,
 * Redis and the gateway; an exporter would connect to localhost:4318 by default), nothing
 * fails, and trace ids still travel in headers and logs.
 */
describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let dir: string;

  beforeAll(async () => {
    for (const file of ['dist/src/main.js', 'dist/test/fixtures/connection-log.js'])
      if (!existsSync(join(ROOT, file))) throw new Error(`${file} missing: build first`);
    dir = tempDir('no-export');
    sim = await startSimulator({ webhook: { delay_ms: 10 } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports nothing, fails nothing, and still carries trace ids into calls and logs', async () => {
    const app = await spawnApp(env, sim, {
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--require ${join(ROOT, 'dist/test/fixtures/connection-log.js')}`,
      CONNECTION_LOG: join(dir, 'connections'),
    });
    const show_id = await createShow(app.url);
    await request(app.url)
      .post('/api/book-tickets')
      .set('Correlation-ID', 'no-export-1')
      .send({ show_id, number_of_tickets: 1, customer_email: 'ada@example.com' })
      .expect(201);
    await eventually(
      () => sim.state.requests.filter((r) => r.service === 'receipts').length === 1,
      {
        what: 'the journey up to the receipt',
      },
    );
    const deadNation = sim.state.requests.find((r) => r.service === 'dead-nation')!;
    expect(deadNation.correlation_id).toBe('no-export-1');
    const traceId = traceIdOf(deadNation.traceparent);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const handled = await eventually(() =>
      jsonLines(app.child.output).find(
        (l) => l.handler === 'book_at_dead_nation' && l.outcome === 'ok',
      ),
    );
    expect(handled).toMatchObject({ correlation_id: 'no-export-1', trace_id: traceId });

    app.child.kill('SIGTERM');
    expect(await exited(app.child)).toBe(0);
    const lines = jsonLines(app.child.output);
    expect(lines.filter((l) => ['error', 'fatal'].includes(l.level))).toEqual([]);
    expect(lines.filter((l) => l.context === 'opentelemetry')).toEqual([]);
    // The log saw the connections it should (so it works), and nothing else.
    const ports = new Set(
      readFileSync(join(dir, 'connections'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((target) => Number(target.split(':').pop())),
    );
    const simPort = Number(new URL(sim.url).port);
    expect(ports).toEqual(new Set([5432, 6379, simPort]));
  });
});
