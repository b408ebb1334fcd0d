import { trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { messagingTracer, nameMessagingTracer, serviceAttribute } from './messaging.tracer';

describe('the messaging tracer', () => {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });

  beforeAll(() => trace.setGlobalTracerProvider(provider));
  afterAll(() => trace.disable());

  it('records spans under <serviceName>.messaging, named after the module was configured', async () => {
    nameMessagingTracer('shop');
    messagingTracer.startSpan('send x').end();
    const result = await messagingTracer.startActiveSpan('process x', async (span) => {
      span.end();
      return 42;
    });
    expect(result).toBe(42);
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.instrumentationScope.name])).toEqual([
      ['send x', 'shop.messaging'],
      ['process x', 'shop.messaging'],
    ]);
  });

  it("names the service's span attributes after the service", () => {
    nameMessagingTracer('shop');
    expect(serviceAttribute('handler')).toBe('shop.handler');
  });
});
