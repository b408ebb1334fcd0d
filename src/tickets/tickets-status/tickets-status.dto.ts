import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsEmail,
  IsIn,
  IsObject,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsLowerCasedUuid } from '../../platform/common/uuid';
import { MoneyDto } from '../money.dto';

export const TICKET_STATUSES = ['confirmed', 'canceled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/**
 * The body is validated with `stopAtFirstError`, and class-validator checks a property's rules
 * from the one nearest to it upwards: the most basic rule (a type) goes last.
 */
export class TicketStatusDto {
  @ApiProperty({ format: 'uuid', example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' })
  @IsLowerCasedUuid()
  ticket_id: string;

  @ApiProperty({ enum: TICKET_STATUSES, example: 'confirmed' })
  @IsIn(TICKET_STATUSES)
  status: TicketStatus;

  @ApiProperty({ format: 'email', maxLength: 255, example: 'ada@example.com' })
  @MaxLength(255)
  @IsEmail()
  customer_email: string;

  @ApiProperty({ type: MoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  price: MoneyDto;

  @ApiProperty({ format: 'uuid', example: '7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f' })
  @IsLowerCasedUuid()
  booking_id: string;
}

/** What one request may carry: Dead Nation sends a large booking in several requests. */
export const MAX_TICKETS_PER_REQUEST = 500;
export const TOO_MANY_TICKETS = `tickets must contain at most ${MAX_TICKETS_PER_REQUEST} tickets`;

/** Sent by Dead Nation; fields we do not know are ignored, not refused (a third party's format). */
export class TicketsStatusRequest {
  @ApiProperty({ type: [TicketStatusDto], maxItems: MAX_TICKETS_PER_REQUEST })
  @ValidateNested({ each: true })
  @Type(() => TicketStatusDto)
  @ArrayMaxSize(MAX_TICKETS_PER_REQUEST, { message: TOO_MANY_TICKETS })
  @IsArray()
  tickets: TicketStatusDto[];
}
