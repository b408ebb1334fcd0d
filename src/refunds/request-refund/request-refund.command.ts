import { Command } from '@nestjs/cqrs';

/** Asks for a ticket's refund, which then runs asynchronously (RefundTicket). */
export class RequestRefund extends Command<void> {
  constructor(readonly ticketId: string) {
    super();
  }
}
