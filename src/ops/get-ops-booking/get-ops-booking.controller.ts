import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParamPipe } from '../../platform/common/uuid';
import { OpsBooking } from '../ops-booking.document';
import { GetOpsBooking } from './get-ops-booking.query';
import { StaffOnly } from '../../platform/security/staff.guard';

@ApiTags('ops')
@Controller('ops/bookings')
@StaffOnly()
export class GetOpsBookingController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':booking_id')
  @ApiOperation({ summary: 'The document of one booking' })
  @ApiOkResponse({ description: 'An ops booking document (spec §5)' })
  async one(
    @Param('booking_id', new UuidParamPipe('booking_id')) bookingId: string,
  ): Promise<OpsBooking> {
    return this.queryBus.execute(new GetOpsBooking(bookingId));
  }
}
