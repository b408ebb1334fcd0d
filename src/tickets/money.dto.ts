import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** Money on the wire: the amount a decimal string (it fits tickets.price_amount numeric(10,2)). */
export class MoneyDto {
  @ApiProperty({ pattern: '^\\d{1,8}(\\.\\d{1,2})?$', example: '50.00' })
  @Matches(/^\d{1,8}(\.\d{1,2})?$/, {
    message:
      '$property must be a decimal string with at most 8 digits before and 2 after the point, e.g. "50.00"',
  })
  amount: string;

  @ApiProperty({ pattern: '^[A-Z]{3}$', example: 'EUR' })
  @Matches(/^[A-Z]{3}$/, { message: '$property must be a three-letter ISO 4217 code, e.g. "EUR"' })
  currency: string;
}
