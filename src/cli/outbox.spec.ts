import { parseSince } from './outbox';

describe('outbox replay --since', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('takes an RFC 3339 time', () => {
    expect(parseSince('2026-12-01T10:30:00Z', now)?.toISOString()).toBe('2026-12-01T10:30:00.000Z');
  });

  it('takes a duration back from now', () => {
    expect(parseSince('90m', now)?.toISOString()).toBe('2026-12-01T10:30:00.000Z');
    expect(parseSince('7d', now)?.toISOString()).toBe('2026-11-24T12:00:00.000Z');
  });

  it('refuses anything else', () => {
    for (const text of ['', 'yesterday', '12', '5w', '2026-13-45T00:00:00Z']) {
      expect(parseSince(text, now)).toBeNull();
    }
  });
});
