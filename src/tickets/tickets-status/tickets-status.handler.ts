import { UnprocessableEntityException } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { Transactional } from '@nestjs-cls/transactional';
import { TicketBookingCanceled_v1 } from '../events/ticket-booking-canceled.event';
import { TicketBookingConfirmed_v1 } from '../events/ticket-booking-confirmed.event';
import { KnownBookingsRepository } from './known-bookings.repository';
import { requestHash } from './request-hash';
import { RecordTicketsStatus } from './tickets-status.command';
import { TicketStatusDto } from './tickets-status.dto';
import { WebhookRequestsRepository } from './webhook-requests.repository';

@CommandHandler(RecordTicketsStatus)
export class RecordTicketsStatusHandler implements ICommandHandler<RecordTicketsStatus> {
  constructor(
    private readonly requests: WebhookRequestsRepository,
    private readonly bookings: KnownBookingsRepository,
    private readonly eventBus: EventBus,
  ) {}

  /**
   * One event per ticket, in order, committed with the request's key: a replay of the same
   * key (Dead Nation re-sends on purpose) finds the key and writes nothing. A ticket of a
   * booking we never made could only retry and dead-letter downstream: refused up front. The
   * same key with another body is refused too, instead of being dropped as a replay.
   */
  @Transactional()
  async execute({ idempotencyKey, tickets }: RecordTicketsStatus): Promise<void> {
    await this.refuseUnknownBookings(tickets);
    const use = await this.requests.record(idempotencyKey, requestHash(tickets));
    if (use === 'replay') return;
    if (use === 'conflict') {
      throw new UnprocessableEntityException(
        'the Idempotency-Key was used before with a different body',
      );
    }
    await this.eventBus.publishAll(tickets.map((ticket) => toEvent(ticket, idempotencyKey)));
  }

  private async refuseUnknownBookings(tickets: TicketStatusDto[]): Promise<void> {
    const unknown = await this.bookings.unknownAmong(tickets.map((t) => t.booking_id));
    if (unknown.size === 0) return;
    const messages: string[] = [];
    // each unknown id named once, at its first ticket
    tickets.forEach(({ booking_id }, i) => {
      if (unknown.delete(booking_id)) {
        messages.push(`tickets.${i}.booking_id names no booking: ${booking_id}`);
      }
    });
    throw new UnprocessableEntityException(messages);
  }
}

function toEvent(ticket: TicketStatusDto, requestKey: string) {
  const fields = {
    ticket_id: ticket.ticket_id,
    booking_id: ticket.booking_id,
    customer_email: ticket.customer_email,
    price: { amount: ticket.price.amount, currency: ticket.price.currency },
  };
  // The request key immediately followed by the ticket id, as the Go service does.
  const header = { idempotency_key: requestKey + ticket.ticket_id };
  return ticket.status === 'confirmed'
    ? new TicketBookingConfirmed_v1(fields, header)
    : new TicketBookingCanceled_v1(fields, header);
}
