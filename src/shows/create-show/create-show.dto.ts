import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsLowerCasedUuid } from '../../platform/common/uuid';
import { IsRfc3339Instant } from './rfc3339.validator';

export class CreateShowRequest {
  @ApiProperty({ format: 'uuid', example: '0b7e8cb1-5c3b-4e89-9bd5-8cc5a1b4a9a1' })
  @IsLowerCasedUuid()
  dead_nation_id: string;

  @ApiProperty({ minimum: 1, maximum: 2147483647, example: 100 })
  @IsInt()
  @Min(1)
  @Max(2147483647)
  number_of_tickets: number;

  @ApiProperty({ format: 'date-time', example: '2030-05-01T20:00:00Z' })
  @IsRfc3339Instant()
  start_time: string;

  @ApiProperty({ maxLength: 255, example: 'The Mars Volta' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  title: string;

  @ApiProperty({ maxLength: 255, example: 'Roundhouse, London' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  venue: string;
}

export class CreateShowResponse {
  @ApiProperty({ format: 'uuid', example: 'e5d6f0a3-2b4c-4d6e-8f90-1a2b3c4d5e6f' })
  show_id: string;
}
