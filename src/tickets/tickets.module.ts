import { Module } from '@nestjs/common';
import { IssueReceiptHandler } from './issue-receipt/issue-receipt.handler';
import { ListTicketsController } from './list-tickets/list-tickets.controller';
import { ListTicketsHandler } from './list-tickets/list-tickets.handler';
import { PrintListHandler } from './print-list/print-list.handler';
import { PrintTicketHandler } from './print-ticket/print-ticket.handler';
import { RefundListHandler } from './refund-list/refund-list.handler';
import { RemoveTicketHandler } from './remove-ticket/remove-ticket.handler';
import { SpreadsheetRows } from './spreadsheets/spreadsheet-rows';
import { StoreTicketHandler } from './store-ticket/store-ticket.handler';
import { TicketsStatusController } from './tickets-status/tickets-status.controller';
import { RecordTicketsStatusHandler } from './tickets-status/tickets-status.handler';
import { KnownBookingsRepository } from './tickets-status/known-bookings.repository';
import { WebhookRequestsRepository } from './tickets-status/webhook-requests.repository';
import { TicketsRepository } from './tickets.repository';

/** Tickets from Dead Nation's webhook on: stored, listed, receipted, printed, canceled. */
@Module({
  controllers: [TicketsStatusController, ListTicketsController],
  providers: [
    TicketsRepository,
    WebhookRequestsRepository,
    KnownBookingsRepository,
    RecordTicketsStatusHandler,
    ListTicketsHandler,
    SpreadsheetRows,
    StoreTicketHandler,
    RemoveTicketHandler,
    PrintListHandler,
    RefundListHandler,
    IssueReceiptHandler,
    PrintTicketHandler,
  ],
  exports: [TicketsRepository],
})
export class TicketsModule {}
