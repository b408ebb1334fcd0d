export { DeadNationClient } from './dead-nation.client';
export { FilesClient } from './files.client';
export { GatewayError } from './gateway.error';
export { GatewayHttp } from './gateway.http';
export { GatewayModule } from './gateway.module';
export { GATEWAY_OPTIONS, gatewayOptionsFrom } from './gateway.options';
export type { GatewayOptions } from './gateway.options';
export { PaymentsClient } from './payments.client';
export { ReceiptsClient } from './receipts.client';
export { SpreadsheetsClient } from './spreadsheets.client';
export { TransportationClient } from './transportation.client';
export type {
  BookFlightRequest,
  BookTaxiRequest,
  FlightBooking,
  TaxiBooking,
} from './transportation.client';
