import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { HousekeepingSampler } from './tracing';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

function parent(flags: TraceFlags, isRemote: boolean) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: '00f067aa0ba902b7',
    traceFlags: flags,
    isRemote,
  });
}

const decide = (record: boolean, ctx = context.active(), kind = SpanKind.SERVER, name = 'GET /') =>
  new HousekeepingSampler(record).shouldSample(ctx, traceId, name, kind, {}, []).decision;

const { RECORD_AND_SAMPLED, NOT_RECORD } = tracing.SamplingDecision;

describe('HousekeepingSampler (spec §9: the edge does not take orders from traceparent)', () => {
  it.each([
    ['sampled', TraceFlags.SAMPLED],
    ['not sampled', TraceFlags.NONE],
  ])('a remote parent flagged %s: recorded exactly when exporting', (_what, flags) => {
    expect(decide(true, parent(flags, true))).toBe(RECORD_AND_SAMPLED);
    expect(decide(false, parent(flags, true))).toBe(NOT_RECORD);
  });

  it('a new trace: recorded exactly when exporting', () => {
    expect(decide(true, ROOT_CONTEXT)).toBe(RECORD_AND_SAMPLED);
    expect(decide(false, ROOT_CONTEXT)).toBe(NOT_RECORD);
  });

  it('a local parent is followed, so a trace is recorded whole or not at all', () => {
    expect(decide(true, parent(TraceFlags.NONE, false))).toBe(NOT_RECORD);
    expect(decide(false, parent(TraceFlags.SAMPLED, false))).toBe(RECORD_AND_SAMPLED);
  });

  it("the consumers' claims are never recorded", () => {
    expect(decide(true, ROOT_CONTEXT, SpanKind.CLIENT, 'xautoclaim')).toBe(NOT_RECORD);
  });
});
