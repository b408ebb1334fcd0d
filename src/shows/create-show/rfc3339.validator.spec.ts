import { isRfc3339Instant } from './rfc3339.validator';

describe('isRfc3339Instant', () => {
  it.each([
    '2030-05-01T20:00:00Z',
    '2030-05-01t20:00:00.123456789z',
    '2030-05-01T20:00:00+15:59',
    '2030-05-01T20:00:00-15:59',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2028-02-29T10:00:00Z',
  ])('accepts %s', (value) => expect(isRfc3339Instant(value)).toBe(true));

  it.each([
    ['no such day', '2030-02-30T10:00:00Z'],
    ['year 0000, which PostgreSQL lacks', '0000-05-01T20:00:00Z'],
    ['an offset past PostgreSQL’s ±15:59', '2030-05-01T20:00:00+16:00'],
    ['an offset of -23:59', '2030-05-01T20:00:00-23:59'],
    ['minutes of offset past 59', '2030-05-01T20:00:00+01:60'],
    ['no offset', '2030-05-01T20:00:00'],
    ['a date alone', '2030-05-01'],
    ['a number', 20300501],
  ])('refuses %s', (_why, value) => expect(isRfc3339Instant(value)).toBe(false));
});
