import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsInt, Max, MaxLength, Min } from 'class-validator';
import { IsLowerCasedUuid } from '../../platform/common/uuid';

export class BookTicketsRequest {
  @ApiProperty({ format: 'uuid', example: 'e5d6f0a3-2b4c-4d6e-8f90-1a2b3c4d5e6f' })
  @IsLowerCasedUuid()
  show_id: string;

  @ApiProperty({
    minimum: 1,
    maximum: 2147483647,
    example: 2,
    description: 'At most MAX_TICKETS_PER_BOOKING (default 50); more is a 400',
  })
  @IsInt()
  @Min(1)
  @Max(2147483647)
  number_of_tickets: number;

  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  customer_email: string;
}

export class BookTicketsResponse {
  @ApiProperty({ format: 'uuid', example: '7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f' })
  booking_id: string;
}
