import { Controller, HttpCode, NotFoundException, Param, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { UuidParamPipe } from '../../common/uuid';
import { ApiError } from '../../docs/api-error';
import { CommandSender } from '../../messaging';
import { TicketsRepository } from '../../tickets/tickets.repository';
import { RefundTicket } from '../commands/refund-ticket.command';
import { StaffOnly } from '../../security/staff.guard';

export class TicketRefundResponse {
  @ApiProperty({ format: 'uuid', example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' })
  ticket_id: string;
}

@ApiTags('refunds')
@Controller('ticket-refund')
@StaffOnly()
export class TicketRefundController {
  constructor(
    private readonly tickets: TicketsRepository,
    private readonly commands: CommandSender,
  ) {}

  @Put(':ticket_id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Refund a ticket',
    description:
      'Accepted at once; the refund runs asynchronously. Refunding a ticket twice refunds the money once.',
  })
  @ApiParam({ name: 'ticket_id', format: 'uuid', example: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' })
  @ApiAcceptedResponse({ type: TicketRefundResponse })
  @ApiError(400, 'ticket_id is not a UUID', 'ticket_id must be a UUID')
  @ApiError(404, 'No such ticket (yet)', 'ticket 2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10 not found')
  async refund(
    @Param('ticket_id', new UuidParamPipe('ticket_id')) ticket_id: string,
  ): Promise<TicketRefundResponse> {
    if (!(await this.tickets.exists(ticket_id))) {
      throw new NotFoundException(`ticket ${ticket_id} not found`);
    }
    await this.commands.send(new RefundTicket({ ticket_id }));
    return { ticket_id };
  }
}
