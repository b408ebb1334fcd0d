import { Module } from '@nestjs/common';
import { GetOpsBookingController } from './get-ops-booking/get-ops-booking.controller';
import { GetOpsBookingHandler } from './get-ops-booking/get-ops-booking.handler';
import { ListOpsBookingsController } from './list-ops-bookings/list-ops-bookings.controller';
import { ListOpsBookingsHandler } from './list-ops-bookings/list-ops-bookings.handler';
import { OpsBookingsReader } from './ops-bookings.reader';
import { opsReadModelHandlers } from './project/ops-read-model.handlers';
import { OpsReadModelProjector } from './project/ops-read-model.projector';
import { OpsReadModelRepository } from './project/ops-read-model.repository';

/** The ops bookings read model (spec §5): its live projection and its HTTP queries. */
@Module({
  controllers: [ListOpsBookingsController, GetOpsBookingController],
  providers: [
    OpsReadModelRepository,
    OpsReadModelProjector,
    ...opsReadModelHandlers,
    OpsBookingsReader,
    ListOpsBookingsHandler,
    GetOpsBookingHandler,
  ],
})
export class OpsModule {}
