import { isCalendarDate } from './list-ops-bookings.dto';

describe('isCalendarDate', () => {
  it.each(['2025-03-14', '0001-01-01', '9999-12-31', '2028-02-29'])('accepts %s', (value) =>
    expect(isCalendarDate(value)).toBe(true),
  );

  it.each([
    ['year 0000, which PostgreSQL lacks', '0000-01-01'],
    ['no such day', '2025-02-30'],
    ['one-digit month', '2025-3-14'],
    ['empty', ''],
    ['a time as well', '2025-03-14T00:00:00Z'],
  ])('refuses %s', (_why, value) => expect(isCalendarDate(value)).toBe(false));
});
