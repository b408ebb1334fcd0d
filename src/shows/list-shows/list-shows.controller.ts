import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StaffOnly } from '../../platform/security/staff.guard';
import { ShowListing } from './list-shows.dto';
import { ListShows } from './list-shows.query';

/** A box office's list, not an export: the newest shows only. */
const SHOWN = 200;

@ApiTags('shows')
@Controller('shows')
@StaffOnly()
export class ListShowsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: `The ${SHOWN} latest shows by start time, with seats booked` })
  @ApiOkResponse({ type: [ShowListing] })
  async list(): Promise<ShowListing[]> {
    return this.queryBus.execute(new ListShows(SHOWN));
  }
}
