import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateBy } from 'class-validator';

/**
 * A real calendar date written YYYY-MM-DD (2025-02-30 is refused, not rolled over), from year
 * 0001: PostgreSQL has no year 0000 (1 BC precedes AD 1), where JavaScript's Date has one.
 */
export function isCalendarDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  if (value.startsWith('0000')) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export class ListOpsBookingsParams {
  @ApiPropertyOptional({
    description: 'Only bookings with a ticket whose receipt was issued on this UTC date',
    example: '2025-03-14',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isCalendarDate',
    validator: {
      validate: isCalendarDate,
      defaultMessage: () =>
        'receipt_issue_date must be a calendar date from year 0001 written YYYY-MM-DD',
    },
  })
  receipt_issue_date?: string;
}
