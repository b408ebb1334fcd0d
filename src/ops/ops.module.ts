import { Module } from '@nestjs/common';
import { GetOpsBookingController } from './get-ops-booking/get-ops-booking.controller';
import { GetOpsBookingHandler } from './get-ops-booking/get-ops-booking.handler';
import { ListOpsBookingsController } from './list-ops-bookings/list-ops-bookings.controller';
import { ListOpsBookingsHandler } from './list-ops-bookings/list-ops-bookings.handler';
import { OpsBookingsReader } from './ops-bookings.reader';
import { opsReadModelHandlers } from './project/ops-read-model.handlers';
import { OpsReadModelProjector } from './project/ops-read-model.projector';
import { OpsReadModelRepository } from './project/ops-read-model.repository';
import { GetMessagingPanelHandler } from './messaging-panel/get-messaging-panel.handler';
import { MessagingPanelController } from './messaging-panel/messaging-panel.controller';
import { OpsMessagingStatus } from './messaging-panel/messaging-status.provider';
import { RedriveDeadLettersController } from './redrive-dead-letters/redrive-dead-letters.controller';
import { RedriveDeadLettersHandler } from './redrive-dead-letters/redrive-dead-letters.handler';
import { OpsStreamController } from './stream/ops-stream.controller';
import { OpsUpdates } from './stream/ops-updates';

/**
 * The ops bookings read model (spec §5): its live projection and its HTTP queries; and what the
 * web application's staff watch (spec §11): the live stream of changed documents, the messaging
 * panel and the dead-letter re-drive.
 */
@Module({
  controllers: [
    ListOpsBookingsController,
    GetOpsBookingController,
    OpsStreamController,
    MessagingPanelController,
    RedriveDeadLettersController,
  ],
  providers: [
    OpsReadModelRepository,
    OpsReadModelProjector,
    ...opsReadModelHandlers,
    OpsBookingsReader,
    ListOpsBookingsHandler,
    GetOpsBookingHandler,
    OpsUpdates,
    OpsMessagingStatus,
    GetMessagingPanelHandler,
    RedriveDeadLettersHandler,
  ],
})
export class OpsModule {}
