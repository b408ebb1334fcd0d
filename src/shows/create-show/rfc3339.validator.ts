import { registerDecorator, ValidationOptions } from 'class-validator';

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** PostgreSQL's largest UTC offset is 15:59. */
const MAX_OFFSET_HOURS = 15;

/**
 * An RFC 3339 timestamp that is a real instant PostgreSQL can store: class-validator's IsRFC3339
 * is a pattern only, so "2025-02-30T10:00:00Z" would pass it and then fail in PostgreSQL as a
 * 500. Year 0000 does not exist there (1 BC precedes AD 1), and its UTC offsets stop at ±15:59
 * where RFC 3339's syntax allows ±23:59.
 */
export function isRfc3339Instant(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > MAX_OFFSET_HOURS || Number(m[10]) > 59)) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day >= 1 && day <= daysInMonth;
}

export function IsRfc3339Instant(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isRfc3339Instant',
      target: target.constructor,
      propertyName: property as string,
      options: {
        message: `$property must be an RFC 3339 date-time from year 0001 with a UTC offset within ±15:59, e.g. 2030-05-01T20:00:00Z`,
        ...options,
      },
      validator: { validate: isRfc3339Instant },
    });
}
