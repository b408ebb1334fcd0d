import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../../platform/http/api-error';
import { TicketsRepository } from '../tickets.repository';
import { ListedTicketDto, ListTicketsQuery } from './list-tickets.dto';
import { StaffOnly } from '../../platform/security/staff.guard';

/** Rows fetched per query while streaming: memory stays bounded whatever the table holds. */
const BATCH = 500;

@ApiTags('tickets')
@Controller('tickets')
@StaffOnly()
export class ListTicketsController {
  constructor(private readonly tickets: TicketsRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Tickets confirmed, neither canceled nor refunded',
    description:
      'A plain JSON array, streamed in ticket_id order a batch at a time. Optional keyset ' +
      'paging: `limit` caps the count, `after` starts after a ticket_id (pass the last one seen).',
  })
  @ApiOkResponse({ type: [ListedTicketDto] })
  @ApiError(400, 'Invalid paging parameters', ['limit must not be greater than 10000'])
  async list(@Query() query: ListTicketsQuery, @Res() res: Response): Promise<void> {
    let remaining = query.limit ?? Infinity;
    let after = query.after;
    // The first page is read before anything is sent, so a failing database is still a clean 500.
    let page = await this.tickets.liveTicketsAfter(after, Math.min(BATCH, remaining));
    res.status(200).type('application/json');
    res.write('[');
    try {
      for (let first = true; page.length > 0 && !res.destroyed; first = false) {
        const chunk = page.map((t) => JSON.stringify(t)).join(',');
        // Backpressure: a slow client pauses the reading instead of filling memory.
        if (!res.write(first ? chunk : `,${chunk}`)) await drained(res);
        remaining -= page.length;
        after = page[page.length - 1].ticket_id;
        if (remaining <= 0 || page.length < BATCH) break;
        page = await this.tickets.liveTicketsAfter(after, Math.min(BATCH, remaining));
      }
      res.end(']');
    } catch (e) {
      // Half an array is already out: cut the connection so the client cannot take it as whole.
      res.destroy(e);
    }
  }
}

function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });
}
