import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { TransactionHost } from '@nestjs-cls/transactional';
import { BookingMade_v1 } from '../../src/bookings/events/booking-made.event';
import { Message } from '../../src/messaging';
import { OpsBooking } from '../../src/ops/ops-booking.document';
import { TicketRefunded_v1 } from '../../src/refunds/events/ticket-refunded.event';
import { TicketBookingConfirmed_v1 } from '../../src/tickets/events/ticket-booking-confirmed.event';
import { TicketPrinted_v1 } from '../../src/tickets/events/ticket-printed.event';
import { TicketReceiptIssued_v1 } from '../../src/tickets/events/ticket-receipt-issued.event';
import { eventually, TestEnv } from '../support/test-env';

/** The projection's handlers, one consumer group per event. */
export const HANDLERS = [
  'ops_booking_made',
  'ops_ticket_confirmed',
  'ops_receipt_issued',
  'ops_ticket_printed',
  'ops_ticket_refunded',
];

/**
 * Test environments of this directory: a message waiting for its booking must not dead-letter,
 * and the dedupe window must outlast the longest redelivery that many deliveries allow.
 */
export const OPS_ENV = {
  MAX_DELIVERIES: '100000',
  RETRY_INITIAL_MS: '20',
  RETRY_MAX_MS: '100',
  DEDUPE_RETENTION: '365d',
};

/** Publishes events the way a business transaction does: outbox and events store, one commit. */
export async function publish(app: INestApplication, events: Message[]): Promise<void> {
  await app.get(TransactionHost).withTransaction(() => app.get(EventBus).publishAll(events));
}

export const at = (iso: string) => ({ published_at: new Date(iso).toISOString() });

export const made = (booking_id: string, header?: object) =>
  new BookingMade_v1(
    { booking_id, show_id: randomUUID(), number_of_tickets: 1, customer_email: 'ops@example.com' },
    header,
  );
export const confirmed = (
  ticket_id: string,
  booking_id: string,
  amount = '50.00',
  header?: object,
) =>
  new TicketBookingConfirmed_v1(
    {
      ticket_id,
      booking_id,
      customer_email: 'ops@example.com',
      price: { amount, currency: 'EUR' },
    },
    header,
  );
export const receipt = (ticket_id: string, issued_at: string, header?: object) =>
  new TicketReceiptIssued_v1(
    { ticket_id, receipt_number: `R-${ticket_id.slice(0, 8)}`, issued_at },
    header,
  );
export const printed = (ticket_id: string, header?: object) =>
  new TicketPrinted_v1({ ticket_id, file_name: `${ticket_id}-ticket.html` }, header);
export const refunded = (ticket_id: string, header?: object) =>
  new TicketRefunded_v1({ ticket_id }, header);

/** Waits until the projection has handled every one of these messages. */
export async function projected(
  env: TestEnv,
  events: Message[],
  timeoutMs = 30_000,
): Promise<void> {
  const ids = [...new Set(events.map((e) => e.header.id))];
  await eventually(
    async () => {
      const [{ n }] = await env.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_messages WHERE handler = ANY($1::text[]) AND message_id = ANY($2::uuid[])`,
        [HANDLERS, ids],
      );
      return n === ids.length;
    },
    { timeoutMs, what: `the projection of ${ids.length} messages` },
  );
}

/** Every document, without `last_update` (the one field a rebuild may change). */
export async function documents(
  env: TestEnv,
): Promise<Record<string, Omit<OpsBooking, 'last_update'>>> {
  const rows = await env.query<{ booking_id: string; payload: OpsBooking }>(
    'SELECT booking_id, payload FROM read_model_ops_bookings ORDER BY booking_id',
  );
  return Object.fromEntries(
    rows.map(({ booking_id, payload: { last_update: _, ...doc } }) => [booking_id, doc]),
  );
}

/** The side tables, which a rebuild must rebuild too. */
export async function sideTables(env: TestEnv) {
  return {
    tickets: await env.query(
      'SELECT ticket_id, booking_id FROM ops_ticket_bookings ORDER BY ticket_id',
    ),
    dates: await env.query(
      `SELECT booking_id, to_char(receipt_date, 'YYYY-MM-DD') AS d FROM ops_receipt_dates ORDER BY 1, 2`,
    ),
  };
}

/** Failed attempts of the projection's handlers so far, from /metrics. */
export async function failedAttempts(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('messages_processing_failed_total') &&
        HANDLERS.some((h) => l.includes(`handler="${h}"`)),
    )
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

export function shuffle<T>(items: T[], random = Math.random): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
