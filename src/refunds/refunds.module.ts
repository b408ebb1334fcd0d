import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module';
import { RefundTicketHandler } from './refund-ticket/refund-ticket.handler';
import { RefundsRepository } from './refunds.repository';
import { TicketRefundController } from './request-refund/ticket-refund.controller';

/** Refunds of tickets: the request, then voiding the receipt and paying the money back. */
@Module({
  imports: [TicketsModule],
  controllers: [TicketRefundController],
  providers: [RefundsRepository, RefundTicketHandler],
})
export class RefundsModule {}
