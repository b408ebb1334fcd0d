import { Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Message, MessageRegistry } from '../../messaging';
import { InternalOpsReadModelUpdated } from '../internal-ops-read-model-updated.event';
import { applyOpsEvent, NotProjectedYetError } from '../ops-booking.document';
import { toOpsEvent } from '../ops-event';
import { OpsReadModelRepository } from './ops-read-model.repository';

/**
 * Applies one delivered event to its booking document (spec §5), in the handling transaction.
 * A receipt, print or refund names only its ticket, so the booking is found through the
 * ticket → booking table the confirm filled. An event whose booking or ticket is not projected
 * yet throws: the delivery is retried.
 */
@Injectable()
export class OpsReadModelProjector {
  constructor(
    private readonly readModel: OpsReadModelRepository,
    private readonly eventBus: EventBus,
  ) {}

  async project(message: Message): Promise<void> {
    const name = MessageRegistry.of(message).name;
    const event = toOpsEvent(name, message)!;
    await this.readModel.enterProjection(name, message);
    let bookingId: string | undefined;
    if ('booking_id' in event) bookingId = event.booking_id;
    else {
      bookingId = await this.readModel.bookingOfTicket(event.ticket_id);
      if (!bookingId) throw new NotProjectedYetError({ ticket_id: event.ticket_id });
    }
    const previous = await this.readModel.lock(bookingId);
    const { doc, changed } = applyOpsEvent(previous, event, new Date().toISOString());
    if (!changed) return; // a redelivery, or older than what the document holds
    const isNewTicket =
      event.type === 'TicketBookingConfirmed' && !previous?.tickets[event.ticket_id];
    await this.readModel.save({ doc, previous, newTickets: isNewTicket ? [event.ticket_id] : [] });
    await this.eventBus.publish(new InternalOpsReadModelUpdated({ booking_id: bookingId }));
  }
}
