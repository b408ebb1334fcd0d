import { Request, Response } from 'express';
import { correlationId } from './correlation-id.middleware';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function run(headers: Request['headers']): { echoed: unknown; kept: unknown; nextCalled: boolean } {
  const req = { headers } as Request & { correlationId?: string };
  let echoed: unknown;
  const res = {
    setHeader: (name: string, value: unknown) => name === 'Correlation-ID' && (echoed = value),
  };
  let nextCalled = false;
  correlationId(req, res as unknown as Response, () => (nextCalled = true));
  return { echoed, kept: req.correlationId, nextCalled };
}

describe('correlationId middleware', () => {
  it('keeps and echoes the Correlation-ID the client sent', () => {
    expect(run({ 'correlation-id': 'abc-123' })).toEqual({
      echoed: 'abc-123',
      kept: 'abc-123',
      nextCalled: true,
    });
  });

  it('makes one up when none is sent, the same on the response and the request', () => {
    const { echoed, kept } = run({});
    expect(echoed).toMatch(UUID);
    expect(kept).toBe(echoed);
  });

  it('replaces a value longer than 200 characters', () => {
    const { echoed } = run({ 'correlation-id': 'x'.repeat(201) });
    expect(echoed).toMatch(UUID);
    expect(run({ 'correlation-id': 'x'.repeat(200) }).echoed).toBe('x'.repeat(200));
  });
});
