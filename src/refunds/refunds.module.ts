import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module';
import { RefundTicketHandler } from './refund-ticket/refund-ticket.handler';
import { RefundsRepository } from './refunds.repository';
import { TicketRefundController } from './request-refund/request-refund.controller';
import { RequestRefundHandler } from './request-refund/request-refund.handler';

/** Refunds of tickets: the request, then voiding the receipt and paying the money back. */
@Module({
  imports: [TicketsModule],
  controllers: [TicketRefundController],
  providers: [RefundsRepository, RequestRefundHandler, RefundTicketHandler],
})
export class RefundsModule {}
