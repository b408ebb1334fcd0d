import { Module } from '@nestjs/common';
import { opsReadModelHandlers } from './project/ops-read-model.handlers';
import { OpsReadModelProjector } from './project/ops-read-model.projector';
import { OpsReadModelRepository } from './project/ops-read-model.repository';
import { OpsBookingsController } from './query/ops-bookings.controller';
import { OpsBookingsReader } from './query/ops-bookings.reader';

/** The ops bookings read model (spec §5): its live projection and its HTTP queries. */
@Module({
  controllers: [OpsBookingsController],
  providers: [
    OpsReadModelRepository,
    OpsReadModelProjector,
    ...opsReadModelHandlers,
    OpsBookingsReader,
  ],
})
export class OpsModule {}
