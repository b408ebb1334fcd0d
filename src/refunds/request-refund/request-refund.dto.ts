import { ApiProperty } from '@nestjs/swagger';

export class TicketRefundResponse {
  @ApiProperty({ format: 'uuid', example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' })
  ticket_id: string;
}
