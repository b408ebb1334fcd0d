import { DynamicModule, Type } from '@nestjs/common';
import { BookingsModule } from './bookings/bookings.module';
import { GatewayModule } from './gateway/gateway.module';
import { OpsModule } from './ops/ops.module';
import { RefundsModule } from './refunds/refunds.module';
import { ShowsModule } from './shows/shows.module';
import { TicketsModule } from './tickets/tickets.module';
import { VipBundlesModule } from './vip-bundles/vip-bundles.module';
import { WebModule } from './web/web.module';

/** The business feature modules the app runs with. */
export const featureModules: Array<Type | DynamicModule> = [
  GatewayModule,
  ShowsModule,
  BookingsModule,
  TicketsModule,
  RefundsModule,
  OpsModule,
  VipBundlesModule,
  WebModule,
];
