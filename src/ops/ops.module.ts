import { Module } from '@nestjs/common';
import { OpsReadModelProjection } from './project/ops-read-model.projection';
import { OpsReadModelRepository } from './project/ops-read-model.repository';
import { OpsBookingsController } from './query/ops-bookings.controller';
import { OpsBookingsReader } from './query/ops-bookings.reader';

/** The ops bookings read model (spec §5): its live projection and its HTTP queries. */
@Module({
  controllers: [OpsBookingsController],
  providers: [OpsReadModelRepository, OpsReadModelProjection, OpsBookingsReader],
})
export class OpsModule {}
