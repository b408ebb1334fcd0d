import { headerProblem } from './request-headers';

describe('headerProblem', () => {
  const check = (headers: Record<string, string | string[]>) =>
    headerProblem((name) => headers[name]);

  it('lets ordinary and absent headers through', () => {
    expect(check({})).toBeUndefined();
    expect(
      check({ 'idempotency-key': 'c0ffee00-1234-4bcd-8ef0-0123456789ab', 'correlation-id': 'x' }),
    ).toBeUndefined();
    expect(check({ 'correlation-id': 'a'.repeat(200) })).toBeUndefined();
  });

  it.each([
    ['idempotency-key', 'k'.repeat(201), /Idempotency-Key header must be at most 200 characters/],
    ['correlation-id', 'c'.repeat(201), /Correlation-ID header must be at most 200 characters/],
    ['correlation-id', 'tab\there', /Correlation-ID header .*control characters/],
    ['idempotency-key', 'line\u0085break', /Idempotency-Key header .*control characters/],
    ['correlation-id', 'caf\u00e9', /Correlation-ID header .*printable ASCII/],
    ['correlation-id', '\u001b[31mred', /Correlation-ID header/],
  ])('refuses %s %j naming it', (name, value, message) => {
    expect(check({ [name]: value })).toMatch(message);
  });

  it('refuses a kept header sent twice', () => {
    expect(check({ 'idempotency-key': ['a', 'b'] })).toMatch(
      /Idempotency-Key header must be sent once/,
    );
  });
});
