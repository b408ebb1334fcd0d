import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { BookingMade_v1 } from '../../bookings/events/booking-made.event';
import { HandlerName } from '../../messaging';
import { TicketRefunded_v1 } from '../../refunds/events/ticket-refunded.event';
import { TicketBookingConfirmed_v1 } from '../../tickets/events/ticket-booking-confirmed.event';
import { TicketPrinted_v1 } from '../../tickets/events/ticket-printed.event';
import { TicketReceiptIssued_v1 } from '../../tickets/events/ticket-receipt-issued.event';
import { OpsReadModelProjector } from './ops-read-model.projector';

/*
 * One consumer group per event, so that a slow or failing kind of event never holds up the
 * others. The groups race: a receipt may be handled before its confirm, a confirm before its
 * BookingMade_v1. Nothing waits for that: the early event is parked and the event it waits for
 * applies it in its own transaction (see OpsReadModelProjector and docs/ops-read-model.md).
 */
@EventsHandler(BookingMade_v1)
@HandlerName('ops_booking_made')
export class OpsBookingMadeHandler implements IEventHandler<BookingMade_v1> {
  constructor(private readonly projector: OpsReadModelProjector) {}

  handle(event: BookingMade_v1): Promise<void> {
    return this.projector.project(event);
  }
}

@EventsHandler(TicketBookingConfirmed_v1)
@HandlerName('ops_ticket_confirmed')
export class OpsTicketConfirmedHandler implements IEventHandler<TicketBookingConfirmed_v1> {
  constructor(private readonly projector: OpsReadModelProjector) {}

  handle(event: TicketBookingConfirmed_v1): Promise<void> {
    return this.projector.project(event);
  }
}

@EventsHandler(TicketReceiptIssued_v1)
@HandlerName('ops_receipt_issued')
export class OpsReceiptIssuedHandler implements IEventHandler<TicketReceiptIssued_v1> {
  constructor(private readonly projector: OpsReadModelProjector) {}

  handle(event: TicketReceiptIssued_v1): Promise<void> {
    return this.projector.project(event);
  }
}

@EventsHandler(TicketPrinted_v1)
@HandlerName('ops_ticket_printed')
export class OpsTicketPrintedHandler implements IEventHandler<TicketPrinted_v1> {
  constructor(private readonly projector: OpsReadModelProjector) {}

  handle(event: TicketPrinted_v1): Promise<void> {
    return this.projector.project(event);
  }
}

@EventsHandler(TicketRefunded_v1)
@HandlerName('ops_ticket_refunded')
export class OpsTicketRefundedHandler implements IEventHandler<TicketRefunded_v1> {
  constructor(private readonly projector: OpsReadModelProjector) {}

  handle(event: TicketRefunded_v1): Promise<void> {
    return this.projector.project(event);
  }
}

export const opsReadModelHandlers = [
  OpsBookingMadeHandler,
  OpsTicketConfirmedHandler,
  OpsReceiptIssuedHandler,
  OpsTicketPrintedHandler,
  OpsTicketRefundedHandler,
];
