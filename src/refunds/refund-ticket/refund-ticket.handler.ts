import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PaymentsClient } from '../../gateway/payments.client';
import { ReceiptsClient } from '../../gateway/receipts.client';
import { HandlerName } from '../../messaging';
import { RefundTicket } from './refund-ticket.command';
import { TicketRefunded_v1 } from '../events/ticket-refunded.event';
import { RefundsRepository } from '../refunds.repository';
import { refundKeys } from './refund-keys';

const REASON = 'customer requested refund';

/**
 * Holds no database connection while Receipts and Payments answer (deferWrites): a slow
 * Payments service must not starve the other handlers. So no row lock serialises two refunds
 * of one ticket: the first request claims the ticket and calls out, a second one adds nothing.
 * The keys, derived from the ticket id, make a redelivered claimant's calls harmless, and the
 * refund row is written with TicketRefunded_v1 only when it is new.
 */
@CommandHandler(RefundTicket)
@HandlerName('refund_ticket', { deferWrites: true })
export class RefundTicketHandler implements ICommandHandler<RefundTicket> {
  constructor(
    private readonly refunds: RefundsRepository,
    private readonly receipts: ReceiptsClient,
    private readonly payments: PaymentsClient,
  ) {}

  async execute({ ticket_id, header }: RefundTicket): Promise<void> {
    if (await this.refunds.isRefunded(ticket_id)) return;
    if (!(await this.refunds.claim(ticket_id, header.id))) return; // another request refunds it
    const keys = refundKeys(ticket_id);
    await this.receipts.voidReceipt({ ticket_id, reason: REASON, idempotent_id: keys.voidReceipt });
    await this.payments.refund({
      payment_reference: ticket_id,
      reason: REASON,
      deduplication_id: keys.refund,
    });
    this.refunds.record(
      new TicketRefunded_v1({ ticket_id }, { idempotency_key: header.idempotency_key }),
    );
  }
}
