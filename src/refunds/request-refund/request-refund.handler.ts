import { NotFoundException } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandSender } from '../../messaging';
import { TicketsRepository } from '../../tickets/tickets.repository';
import { RefundTicket } from '../refund-ticket/refund-ticket.command';
import { RequestRefund } from './request-refund.command';

/** Refunds only tickets this system knows; the refund itself is RefundTicket's consumer's work. */
@CommandHandler(RequestRefund)
export class RequestRefundHandler implements ICommandHandler<RequestRefund> {
  constructor(
    private readonly tickets: TicketsRepository,
    private readonly commands: CommandSender,
  ) {}

  async execute({ ticketId }: RequestRefund): Promise<void> {
    if (!(await this.tickets.exists(ticketId))) {
      throw new NotFoundException(`ticket ${ticketId} not found`);
    }
    await this.commands.send(new RefundTicket({ ticket_id: ticketId }));
  }
}
