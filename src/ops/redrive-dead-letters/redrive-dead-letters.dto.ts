import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export class RedriveDeadLettersRequest {
  @ApiPropertyOptional({
    description: 'One dead letter by its entry id; without it, every dead letter',
    example: '1764201600000-0',
  })
  @IsOptional()
  @Matches(/^\d{1,20}-\d{1,20}$/, {
    message: 'id must be a stream entry id such as 1764201600000-0',
  })
  id?: string;
}

export class RedriveDeadLettersResponse {
  @ApiProperty({ description: 'How many dead letters went back to their group' })
  redriven: number;
}
