import { EventBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { BookingMade_v1 } from '../../bookings/events/booking-made.event';
import { HandlerName } from '../../messaging/handler-name.decorator';
import { MessageRegistry } from '../../messaging/message';
import { TicketRefunded_v1 } from '../../refunds/events/ticket-refunded.event';
import { TicketBookingConfirmed_v1 } from '../../tickets/events/ticket-booking-confirmed.event';
import { TicketPrinted_v1 } from '../../tickets/events/ticket-printed.event';
import { TicketReceiptIssued_v1 } from '../../tickets/events/ticket-receipt-issued.event';
import { InternalOpsReadModelUpdated } from '../internal-ops-read-model-updated.event';
import { applyOpsEvent, NotProjectedYetError } from '../ops-booking.document';
import { toOpsEvent } from '../ops-event';
import { OpsReadModelRepository } from './ops-read-model.repository';

type Followed =
  | BookingMade_v1
  | TicketBookingConfirmed_v1
  | TicketReceiptIssued_v1
  | TicketPrinted_v1
  | TicketRefunded_v1;

/**
 * Keeps the ops booking documents up to date (spec §5). A receipt, print or refund names only
 * its ticket, so the booking is found through the ticket → booking table the confirm filled.
 * An event whose booking or ticket is not projected yet throws: the delivery is retried.
 */
@EventsHandler(
  BookingMade_v1,
  TicketBookingConfirmed_v1,
  TicketReceiptIssued_v1,
  TicketPrinted_v1,
  TicketRefunded_v1,
)
@HandlerName('ops_read_model')
export class OpsReadModelProjection implements IEventHandler<Followed> {
  constructor(
    private readonly readModel: OpsReadModelRepository,
    private readonly eventBus: EventBus,
  ) {}

  async handle(message: Followed): Promise<void> {
    const name = MessageRegistry.of(message).name;
    const event = toOpsEvent(name, message)!;
    await this.readModel.enterProjection(name, message);
    const bookingId =
      'booking_id' in event
        ? event.booking_id
        : await this.readModel.bookingOfTicket(event.ticket_id);
    if (!bookingId)
      throw new NotProjectedYetError({ ticket_id: (event as { ticket_id: string }).ticket_id });
    const previous = await this.readModel.lock(bookingId);
    const { doc, changed } = applyOpsEvent(previous, event, new Date().toISOString());
    if (!changed) return;
    const isNewTicket =
      event.type === 'TicketBookingConfirmed' && !previous?.tickets[event.ticket_id];
    await this.readModel.save({ doc, previous, newTickets: isNewTicket ? [event.ticket_id] : [] });
    await this.eventBus.publish(new InternalOpsReadModelUpdated({ booking_id: bookingId }));
  }
}
