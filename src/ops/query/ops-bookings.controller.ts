import { Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { UuidParamPipe } from '../../platform/common/uuid';
import { OpsBooking } from '../ops-booking.document';
import { OpsBookingsQuery } from './ops-bookings.query';
import { OpsBookingsReader } from './ops-bookings.reader';
import { StaffOnly } from '../../platform/security/staff.guard';

@ApiTags('ops')
@Controller('ops/bookings')
@StaffOnly()
export class OpsBookingsController {
  constructor(private readonly reader: OpsBookingsReader) {}

  @Get()
  @ApiOperation({
    summary: 'Every booking document, optionally only those with a receipt on a date',
  })
  @ApiOkResponse({ description: 'An array of ops booking documents (spec §5)' })
  async list(@Query() query: OpsBookingsQuery, @Res() res: Response): Promise<void> {
    // Written page by page: a million documents never sit in memory at once.
    const pages = this.reader.all(query.receipt_issue_date);
    let page = await pages.next(); // a failure here still answers a proper error
    res.status(200).type('application/json').write('[');
    try {
      for (let separator = ''; !page.done; separator = ',', page = await pages.next()) {
        const chunk = separator + page.value.map((doc) => JSON.stringify(doc)).join(',');
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
    } catch (e) {
      res.destroy(e); // the status is sent: cutting the body is the only honest signal left
      return;
    }
    res.end(']');
  }

  @Get(':booking_id')
  @ApiOperation({ summary: 'The document of one booking' })
  @ApiOkResponse({ description: 'An ops booking document (spec §5)' })
  async one(
    @Param('booking_id', new UuidParamPipe('booking_id')) bookingId: string,
  ): Promise<OpsBooking> {
    const doc = await this.reader.find(bookingId);
    if (!doc) throw new NotFoundException(`booking ${bookingId} is not in the ops read model`);
    return doc;
  }
}
