import { Money } from '../platform/common/money';

/**
 * The five events the ops read model follows (spec §5), reduced to what the document needs and
 * freed from their version: the events store holds older `_v0` events with the same fields, and
 * the live projection and the rebuild must read both the same way.
 */
export type OpsEvent =
  | (Common & { type: 'BookingMade'; booking_id: string })
  | (Common & {
      type: 'TicketBookingConfirmed';
      ticket_id: string;
      booking_id: string;
      customer_email: string;
      price: Money;
    })
  | (Common & {
      type: 'TicketReceiptIssued';
      ticket_id: string;
      receipt_number: string;
      issued_at: string;
    })
  | (Common & { type: 'TicketPrinted'; ticket_id: string; file_name: string })
  | (Common & { type: 'TicketRefunded'; ticket_id: string });

interface Common {
  /** header.id */
  id: string;
  /** header.published_at */
  published_at: string;
}

export type OpsEventType = OpsEvent['type'];

const NAME =
  /^(BookingMade|TicketBookingConfirmed|TicketReceiptIssued|TicketPrinted|TicketRefunded)_v[01]$/;

/** An event the read model follows, but whose payload lacks a field or has a bad time. */
export class MalformedOpsEventError extends Error {}

/** The versioned event names the projection subscribes to, by type. */
export function isOpsEventName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Reads an event from its wire name and JSON body. Returns undefined for a name the read model
 * does not follow (the caller counts or ignores it); throws MalformedOpsEventError for a known
 * name whose body cannot be projected.
 */
export function toOpsEvent(name: string, body: any): OpsEvent | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const type = match[1] as OpsEventType;
  const field = (key: string): string => {
    const value = body?.[key];
    if (typeof value !== 'string' || value === '') {
      throw new MalformedOpsEventError(`${name} ${body?.header?.id ?? '?'} has no ${key}`);
    }
    return value;
  };
  const time = (value: string, key: string): string => {
    if (Number.isNaN(Date.parse(value))) {
      throw new MalformedOpsEventError(`${name} ${body?.header?.id ?? '?'}: ${key} is not a time`);
    }
    return value;
  };
  const id = typeof body?.header?.id === 'string' ? body.header.id : undefined;
  if (!id) throw new MalformedOpsEventError(`${name} has no header.id`);
  const published_at = time(body.header.published_at, 'header.published_at');
  const common = { id, published_at };
  switch (type) {
    case 'BookingMade':
      return { ...common, type, booking_id: field('booking_id') };
    case 'TicketBookingConfirmed': {
      const price = body.price;
      if (typeof price?.amount !== 'string' || typeof price?.currency !== 'string') {
        throw new MalformedOpsEventError(`${name} ${id} has no price`);
      }
      return {
        ...common,
        type,
        ticket_id: field('ticket_id'),
        booking_id: field('booking_id'),
        customer_email: field('customer_email'),
        price: { amount: price.amount, currency: price.currency },
      };
    }
    case 'TicketReceiptIssued':
      return {
        ...common,
        type,
        ticket_id: field('ticket_id'),
        receipt_number: field('receipt_number'),
        issued_at: time(field('issued_at'), 'issued_at'),
      };
    case 'TicketPrinted':
      return { ...common, type, ticket_id: field('ticket_id'), file_name: field('file_name') };
    case 'TicketRefunded':
      return { ...common, type, ticket_id: field('ticket_id') };
  }
}
