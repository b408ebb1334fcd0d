import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { setSpansExported } from '../../../platform/observability/tracing-lifecycle';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery, Outcome } from './step';
import { consumerSpanStep, handlerSpanStep } from './tracing.step';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

const exporter = new InMemorySpanExporter();
const delivery = (): Delivery => ({
  entry: {
    key: 'p:events.X_v1',
    destination: 'events.X_v1',
    id: '1-0',
    fields: { name: 'X_v1', message_id: 'm-1', traceparent: `00-${TRACE}-${PARENT}-01` },
  },
  delivery: 2,
  message: { header: { id: 'm-1' } } as any,
  offTask: WAIT_IN_PLACE,
});

describe('tracing steps', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    setSpansExported(true);
  });
  afterAll(() => {
    setSpansExported(false);
    trace.disable();
    propagation.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('a CONSUMER span in the writer’s trace, over attempts that each have a handler span', async () => {
    const consumer = consumerSpanStep('p.h');
    const handler = handlerSpanStep('h');
    const d = delivery();
    const attempt = (): Promise<Outcome> => handler(d, async () => 'ok');
    await consumer(d, async () => {
      await attempt().catch(() => undefined);
      d.delivery++;
      return attempt();
    });
    const spans = exporter.getFinishedSpans();
    const process = spans.find((s) => s.name === 'process X_v1')!;
    expect(process.spanContext().traceId).toBe(TRACE);
    expect(process.attributes['messaging.consumer.group.name']).toBe('p.h');
    const handles = spans.filter((s) => s.name === 'handle X_v1');
    expect(handles.map((s) => s.attributes['messaging.redis.delivery_count'])).toEqual([2, 3]);
    for (const h of handles) {
      expect(h.parentSpanContext?.spanId ?? (h as any).parentSpanId).toBe(
        process.spanContext().spanId,
      );
    }
  });

  it('records a failure on the span and passes it on', async () => {
    const d = delivery();
    const boom = async (): Promise<Outcome> => {
      throw new Error('boom');
    };
    await expect(consumerSpanStep('p.h')(d, boom)).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toMatchObject({ code: 2, message: 'boom' });
  });
});
