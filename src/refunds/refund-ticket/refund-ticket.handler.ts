import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { PaymentsClient } from '../../gateway/payments.client';
import { ReceiptsClient } from '../../gateway/receipts.client';
import { HandlerName } from '../../messaging/handler-name.decorator';
import { RefundTicket } from '../commands/refund-ticket.command';
import { TicketRefunded_v1 } from '../events/ticket-refunded.event';
import { RefundsRepository } from '../refunds.repository';
import { refundKeys } from './refund-keys';

const REASON = 'customer requested refund';

@CommandHandler(RefundTicket)
@HandlerName('refund_ticket')
export class RefundTicketHandler implements ICommandHandler<RefundTicket> {
  constructor(
    private readonly refunds: RefundsRepository,
    private readonly receipts: ReceiptsClient,
    private readonly payments: PaymentsClient,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ ticket_id, header }: RefundTicket): Promise<void> {
    if (!(await this.refunds.claim(ticket_id))) return; // refunded already
    const keys = refundKeys(ticket_id);
    await this.receipts.voidReceipt({ ticket_id, reason: REASON, idempotent_id: keys.voidReceipt });
    await this.payments.refund({
      payment_reference: ticket_id,
      reason: REASON,
      deduplication_id: keys.refund,
    });
    await this.eventBus.publish(
      new TicketRefunded_v1({ ticket_id }, { idempotency_key: header.idempotency_key }),
    );
  }
}
