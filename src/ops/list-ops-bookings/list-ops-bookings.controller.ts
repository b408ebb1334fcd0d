import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { streamJsonArray } from '../../platform/http/json-array-stream';
import { ListOpsBookingsParams } from './list-ops-bookings.dto';
import { ListOpsBookings } from './list-ops-bookings.query';
import { StaffOnly } from '../../platform/security/staff.guard';

@ApiTags('ops')
@Controller('ops/bookings')
@StaffOnly()
export class ListOpsBookingsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({
    summary: 'Every booking document, optionally only those with a receipt on a date',
  })
  @ApiOkResponse({ description: 'An array of ops booking documents (spec §5)' })
  async list(@Query() params: ListOpsBookingsParams, @Res() res: Response): Promise<void> {
    const pages = await this.queryBus.execute(new ListOpsBookings(params.receipt_issue_date));
    await streamJsonArray(res, pages);
  }
}
