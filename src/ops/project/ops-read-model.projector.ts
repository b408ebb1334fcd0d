import { Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Message, MessageRegistry } from '../../messaging';
import { InternalOpsReadModelUpdated } from '../internal-ops-read-model-updated.event';
import { applyReleasing, keysOf } from '../ops-booking.document';
import { toOpsEvent } from '../ops-event';
import { OpsReadModelRepository } from './ops-read-model.repository';

/**
 * Applies one delivered event to its booking document (spec §5), in the handling transaction.
 * A receipt, print or refund names only its ticket, so the booking is found through the
 * ticket → booking table the confirm filled. An event whose booking or ticket is not projected
 * yet is parked, and applied by the event that brings it: nothing fails, nothing waits for a retry.
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
    await this.readModel.enterProjection(name, message, keysOf(event));
    const bookingId =
      'booking_id' in event
        ? event.booking_id
        : await this.readModel.bookingOfTicket(event.ticket_id);
    const parked = await this.readModel.takeReleasedBy(event);
    const previous = bookingId ? await this.readModel.lock(bookingId) : undefined;
    const result = applyReleasing(previous, event, parked.take, new Date().toISOString());
    // What waits still (this event, or released ones whose event did not apply) goes back.
    await this.readModel.park([...result.parked, ...parked.all()]);
    if (!result.changed) return; // parked, a redelivery, or older than what the document holds
    const change = { doc: result.doc!, previous, newTickets: result.newTickets };
    await this.readModel.save(change);
    await this.eventBus.publish(
      new InternalOpsReadModelUpdated({ booking_id: change.doc.booking_id }),
    );
  }
}
