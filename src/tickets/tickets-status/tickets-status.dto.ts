import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsDefined,
  IsEmail,
  IsIn,
  IsObject,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MoneyDto } from '../money.dto';

export const TICKET_STATUSES = ['confirmed', 'canceled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export class TicketStatusDto {
  @ApiProperty({ format: 'uuid', example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' })
  @IsUUID()
  ticket_id: string;

  @ApiProperty({ enum: TICKET_STATUSES, example: 'confirmed' })
  @IsIn(TICKET_STATUSES)
  status: TicketStatus;

  @ApiProperty({ format: 'email', maxLength: 255, example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(255)
  customer_email: string;

  @ApiProperty({ type: MoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  price: MoneyDto;

  @ApiProperty({ format: 'uuid', example: '7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f' })
  @IsUUID()
  booking_id: string;
}

/** Sent by Dead Nation; fields we do not know are ignored, not refused (a third party's format). */
export class TicketsStatusRequest {
  @ApiProperty({ type: [TicketStatusDto] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TicketStatusDto)
  tickets: TicketStatusDto[];
}
