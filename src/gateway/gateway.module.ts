import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/app.config';
import { DeadNationClient } from './dead-nation.client';
import { FilesClient } from './files.client';
import { GatewayHttp } from './gateway.http';
import { GATEWAY_OPTIONS, GatewayOptions, gatewayOptionsFrom } from './gateway.options';
import { PaymentsClient } from './payments.client';
import { ReceiptsClient } from './receipts.client';
import { SpreadsheetsClient } from './spreadsheets.client';
import { TransportationClient } from './transportation.client';

const CLIENTS = [
  DeadNationClient,
  ReceiptsClient,
  PaymentsClient,
  FilesClient,
  SpreadsheetsClient,
  TransportationClient,
];

/** The clients of the six external services behind GATEWAY_URL (spec §4, §8), for every module. */
@Global()
@Module({
  providers: [
    { provide: GATEWAY_OPTIONS, useFactory: gatewayOptionsFrom, inject: [APP_CONFIG] },
    {
      provide: GatewayHttp,
      useFactory: (options: GatewayOptions) => new GatewayHttp(options),
      inject: [GATEWAY_OPTIONS],
    },
    ...CLIENTS,
  ],
  exports: CLIENTS,
})
export class GatewayModule {}
