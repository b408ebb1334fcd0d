import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { BookingMade_v1 } from '../../bookings/events/booking-made.event';
import { HandlerName } from '../../messaging';
import { TicketRefunded_v1 } from '../../refunds/events/ticket-refunded.event';
import { TicketBookingConfirmed_v1 } from '../../tickets/events/ticket-booking-confirmed.event';
import { TicketPrinted_v1 } from '../../tickets/events/ticket-printed.event';
import { TicketReceiptIssued_v1 } from '../../tickets/events/ticket-receipt-issued.event';
import { OpsReadModelProjector } from './ops-read-model.projector';

/*
 * One consumer group per event on purpose. A group has a bounded number of messages in flight,
 * and a message waiting for its booking or ticket holds its slot while it is retried. In one
 * shared group, enough confirms waiting for their bookings would fill every slot and the
 * BookingMade_v1 they wait for would never be read. Apart, the waits form a chain that always
 * ends: bookings wait for nothing, confirms for bookings, the rest for confirms.
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
