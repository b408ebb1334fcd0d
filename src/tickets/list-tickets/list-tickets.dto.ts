import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsLowerCasedUuid } from '../../platform/common/uuid';
import { MoneyDto } from '../money.dto';

export const MAX_PAGE = 10_000;

/** Both optional: without them the answer is every live ticket, streamed. */
export class ListTicketsParams {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only tickets whose ticket_id sorts after this one (keyset paging)',
    example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10',
  })
  @IsOptional()
  @IsLowerCasedUuid()
  after?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE,
    description: 'At most this many tickets',
    example: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;
}

export class ListedTicketDto {
  @ApiProperty({ format: 'uuid', example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' })
  ticket_id: string;

  @ApiProperty({ example: 'ada@example.com' })
  customer_email: string;

  @ApiProperty({ type: MoneyDto })
  price: MoneyDto;
}
