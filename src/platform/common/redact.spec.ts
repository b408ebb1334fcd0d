import { redactUrls } from './redact';

describe('redactUrls', () => {
  it.each([
    ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['postgres://app:p%40ss:word@db:5432/tickets', 'postgres://app:***@db:5432/tickets'],
    [
      'Cannot reach Redis at rediss://user:hunter2@h:6380 (ECONNREFUSED)',
      'Cannot reach Redis at rediss://user:***@h:6380 (ECONNREFUSED)',
    ],
  ])('%s → %s', (text, redacted) => {
    expect(redactUrls(text)).toBe(redacted);
  });

  it.each(['postgres://postgres@127.0.0.1:5432/tickets', '127.0.0.1:6379', 'http://h:8080/x'])(
    'leaves %s alone (no password)',
    (text) => {
      expect(redactUrls(text)).toBe(text);
    },
  );
});
