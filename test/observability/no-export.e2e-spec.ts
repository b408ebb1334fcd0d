import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { RunningSimulator, startSimulator } from '../../src/simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { eventually, exited, ROOT, TestEnv } from '../support/test-env';
import { jsonLines, otlpReceiver, spawnApp, traceIdOf } from './support';

/**
 * Spec §1: OTEL_EXPORTER_OTLP_ENDPOINT unset = tracing export off. Nothing is sent anywhere (a
 * collector listens where the exporters would go by default, localhost:4318), nothing fails,
 * and trace ids still travel in headers and logs.
 */
describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let defaultCollector: Awaited<ReturnType<typeof otlpReceiver>> | undefined;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/main.js')))
      throw new Error('dist/src/main.js missing: build first');
    // Taken by a local Jaeger? Then that Jaeger would show it; the other checks still run.
    defaultCollector = await otlpReceiver(4318).catch(() => undefined);
    sim = await startSimulator({ webhook: { delay_ms: 10 } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
    await defaultCollector?.close();
  });

  it('exports nothing, fails nothing, and still carries trace ids into calls and logs', async () => {
    const app = await spawnApp(env, sim, {
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      LOG_LEVEL: 'info',
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
    expect(defaultCollector?.posts ?? []).toEqual([]);
  });
});
