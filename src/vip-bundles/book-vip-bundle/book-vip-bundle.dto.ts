import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { BookTicketsRequest } from '../../bookings/book-tickets/book-tickets.dto';
import { IsLowerCasedUuid } from '../../platform/common/uuid';

/** A booking's fields (the same rules as POST /api/book-tickets) and the trip's. */
export class BookVipBundleRequest extends BookTicketsRequest {
  @ApiProperty({
    type: [String],
    minItems: 1,
    example: ['Ada Lovelace', 'Charles Babbage'],
    description: 'The travellers: 1…number_of_tickets non-empty names; the first books the taxi',
  })
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  passengers: string[];

  @ApiProperty({ format: 'uuid', example: '0b5c8b0e-8a1f-4a57-9f0e-3f1c2d4e5a60' })
  @IsLowerCasedUuid()
  inbound_flight_id: string;

  @ApiProperty({ format: 'uuid', example: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d' })
  @IsLowerCasedUuid()
  return_flight_id: string;
}

export class BookVipBundleResponse {
  @ApiProperty({ format: 'uuid', example: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98' })
  vip_bundle_id: string;

  @ApiProperty({ format: 'uuid', example: '7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f' })
  booking_id: string;
}
