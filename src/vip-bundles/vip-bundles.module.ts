import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { BookFlightHandler } from './book-flight/book-flight.handler';
import { BookShowTicketsHandler } from './book-show-tickets/book-show-tickets.handler';
import { BookTaxiHandler } from './book-taxi/book-taxi.handler';
import { BookVipBundleController } from './book-vip-bundle/book-vip-bundle.controller';
import { BookVipBundleHandler } from './book-vip-bundle/book-vip-bundle.handler';
import { CancelFlightTicketsHandler } from './cancel-flight-tickets/cancel-flight-tickets.handler';
import { CancelTaxiBookingHandler } from './cancel-taxi-booking/cancel-taxi-booking.handler';
import { GetVipBundleController } from './get-vip-bundle/get-vip-bundle.controller';
import { GetVipBundleHandler } from './get-vip-bundle/get-vip-bundle.handler';
import { VipBundleSaga } from './vip-bundle.saga';
import { VipBundlesRepository } from './vip-bundles.repository';

/** VIP bundles (spec §8): show tickets, return flights and a taxi, all or nothing. */
@Module({
  imports: [BookingsModule],
  controllers: [BookVipBundleController, GetVipBundleController],
  providers: [
    VipBundlesRepository,
    VipBundleSaga,
    BookVipBundleHandler,
    GetVipBundleHandler,
    BookShowTicketsHandler,
    BookFlightHandler,
    BookTaxiHandler,
    CancelFlightTicketsHandler,
    CancelTaxiBookingHandler,
  ],
})
export class VipBundlesModule {}
