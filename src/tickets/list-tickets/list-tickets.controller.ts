import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../../platform/http/api-error';
import { streamJsonArray } from '../../platform/http/json-array-stream';
import { ListedTicketDto, ListTicketsParams } from './list-tickets.dto';
import { ListTickets } from './list-tickets.query';
import { StaffOnly } from '../../platform/security/staff.guard';

@ApiTags('tickets')
@Controller('tickets')
@StaffOnly()
export class ListTicketsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({
    summary: 'Tickets confirmed, neither canceled nor refunded',
    description:
      'A plain JSON array, streamed in ticket_id order a batch at a time. Optional keyset ' +
      'paging: `limit` caps the count, `after` starts after a ticket_id (pass the last one seen).',
  })
  @ApiOkResponse({ type: [ListedTicketDto] })
  @ApiError(400, 'Invalid paging parameters', ['limit must not be greater than 10000'])
  async list(@Query() params: ListTicketsParams, @Res() res: Response): Promise<void> {
    const pages = await this.queryBus.execute(new ListTickets(params.after, params.limit));
    await streamJsonArray(res, pages);
  }
}
