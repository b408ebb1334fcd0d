import { Controller, HttpCode, Param, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { UuidParamPipe } from '../../platform/common/uuid';
import { ApiError } from '../../platform/http/api-error';
import { RequestRefund } from './request-refund.command';
import { TicketRefundResponse } from './request-refund.dto';
import { StaffOnly } from '../../platform/security/staff.guard';

@ApiTags('refunds')
@Controller('ticket-refund')
@StaffOnly()
export class TicketRefundController {
  constructor(private readonly commandBus: CommandBus) {}

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
    await this.commandBus.execute(new RequestRefund(ticket_id));
    return { ticket_id };
  }
}
