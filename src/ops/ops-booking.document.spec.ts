import {
  applyOpsEvent,
  applyReleasing,
  keysOf,
  NotProjectedYetError,
  OpsBooking,
  ParkedEvents,
  receiptDates,
} from './ops-booking.document';
import { MalformedOpsEventError, OpsEvent, toOpsEvent } from './ops-event';

const booking = 'b0000000-0000-4000-8000-000000000001';
const ticket = 'c0000000-0000-4000-8000-000000000001';
const header = (id: string, published_at: string) => ({ id, published_at, idempotency_key: id });

const made = toOpsEvent('BookingMade_v1', {
  header: header('e1', '2025-03-01T10:00:00.000Z'),
  booking_id: booking,
  show_id: 's',
  number_of_tickets: 1,
  customer_email: 'a@b.c',
})!;
const confirmed = toOpsEvent('TicketBookingConfirmed_v1', {
  header: header('e2', '2025-03-01T10:00:01.000Z'),
  ticket_id: ticket,
  booking_id: booking,
  customer_email: 'a@b.c',
  price: { amount: '50.00', currency: 'EUR' },
})!;
const receipt = toOpsEvent('TicketReceiptIssued_v1', {
  header: header('e3', '2025-03-01T10:00:02.000Z'),
  ticket_id: ticket,
  receipt_number: 'R-1',
  issued_at: '2025-03-01T23:30:00-02:00',
})!;
const printed = toOpsEvent('TicketPrinted_v1', {
  header: header('e4', '2025-03-01T10:00:03.000Z'),
  ticket_id: ticket,
  file_name: `${ticket}-ticket.html`,
})!;
const refunded = toOpsEvent('TicketRefunded_v1', {
  header: header('e5', '2025-03-02T09:00:00.000Z'),
  ticket_id: ticket,
})!;

/** Applies the events the way the live projection converges: a failing one is retried later. */
function converge(events: OpsEvent[]): OpsBooking {
  let doc: OpsBooking | undefined;
  let queue = [...events];
  while (queue.length) {
    const retry: OpsEvent[] = [];
    for (const e of queue) {
      try {
        doc = applyOpsEvent(doc, e, 'now').doc;
      } catch (err) {
        if (!(err instanceof NotProjectedYetError)) throw err;
        retry.push(e);
      }
    }
    if (retry.length === queue.length) throw new Error('stuck');
    queue = retry;
  }
  return doc!;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

describe('the ops booking document', () => {
  it('follows spec §5 field by field', () => {
    expect(converge([made, confirmed, receipt, printed, refunded])).toEqual({
      booking_id: booking,
      booked_at: '2025-03-01T10:00:00.000Z',
      last_update: 'now',
      tickets: {
        [ticket]: {
          price_amount: '50.00',
          price_currency: 'EUR',
          customer_email: 'a@b.c',
          confirmed_at: '2025-03-01T10:00:01.000Z',
          receipt_issued_at: '2025-03-01T23:30:00-02:00',
          receipt_number: 'R-1',
          printed_at: '2025-03-01T10:00:03.000Z',
          printed_file_name: `${ticket}-ticket.html`,
          refunded_at: '2025-03-02T09:00:00.000Z',
        },
      },
    });
  });

  it('gives the same document whatever order the events arrive in (all 120 orders)', () => {
    const expected = converge([made, confirmed, receipt, printed, refunded]);
    for (const order of permutations([made, confirmed, receipt, printed, refunded])) {
      expect(converge(order)).toEqual(expected);
    }
  });

  it('refuses a confirm before its booking and a receipt, print or refund before its ticket', () => {
    expect(() => applyOpsEvent(undefined, confirmed, 'now')).toThrow(NotProjectedYetError);
    const bare = applyOpsEvent(undefined, made, 'now').doc;
    for (const e of [receipt, printed, refunded]) {
      expect(() => applyOpsEvent(bare, e, 'now')).toThrow(`ticket ${ticket}`);
    }
  });

  it('changes nothing when an event is applied again', () => {
    const doc = converge([made, confirmed, receipt, printed, refunded]);
    for (const e of [made, confirmed, receipt, printed, refunded]) {
      expect(applyOpsEvent(doc, e, 'later')).toEqual({ doc, changed: false });
    }
  });

  it('keeps the latest confirm of a ticket and the earliest booking time', () => {
    const later = {
      ...confirmed,
      published_at: '2025-03-01T11:00:00.000Z',
      customer_email: 'x@y.z',
    };
    const earlier = { ...made, published_at: '2025-03-01T09:00:00.000Z' };
    const a = converge([made, later, confirmed, earlier]);
    const b = converge([earlier, confirmed, made, later]);
    expect(a).toEqual(b);
    expect(a.booked_at).toBe(earlier.published_at);
    expect(a.tickets[ticket].customer_email).toBe('x@y.z');
  });

  it('dates receipts by their UTC day', () => {
    expect(receiptDates(converge([made, confirmed, receipt]))).toEqual(['2025-03-02']);
    expect(receiptDates(converge([made, confirmed]))).toEqual([]);
  });

  it('reads _v0 events like _v1, ignores names it does not follow, refuses broken payloads', () => {
    expect(
      toOpsEvent('TicketPrinted_v0', {
        header: header('x', '2020-01-01T00:00:00Z'),
        ticket_id: ticket,
        file_name: 'f',
      }),
    ).toMatchObject({ type: 'TicketPrinted' });
    expect(toOpsEvent('TicketBookingCanceled_v1', {})).toBeUndefined();
    expect(toOpsEvent('VipBundleInitialized_v1', {})).toBeUndefined();
    expect(() =>
      toOpsEvent('TicketPrinted_v1', {
        header: header('x', 'never'),
        ticket_id: ticket,
        file_name: 'f',
      }),
    ).toThrow(MalformedOpsEventError);
    expect(() =>
      toOpsEvent('TicketBookingConfirmed_v1', {
        header: header('x', '2020-01-01T00:00:00Z'),
        ticket_id: ticket,
        booking_id: booking,
        customer_email: 'e',
      }),
    ).toThrow('price');
  });
});

describe('parking: one pass whatever the order', () => {
  /** The live projection in miniature: each event handled once, what cannot go yet parked. */
  function project(events: OpsEvent[]) {
    const parked = new ParkedEvents();
    let doc: OpsBooking | undefined;
    const taken: string[] = [];
    const take = (key: Parameters<ParkedEvents['take']>[0]) => {
      const released = parked.take(key);
      taken.push(...released.map((e) => e.type));
      return released;
    };
    for (const event of events) {
      const result = applyReleasing(doc, event, take, 'now');
      for (const p of result.parked) parked.park(p);
      doc = result.doc;
    }
    return { doc, parked: parked.all(), taken };
  }

  it('gives the same document in all 120 orders, each event handled once, nothing left parked', () => {
    const expected = converge([made, confirmed, receipt, printed, refunded]);
    for (const order of permutations([made, confirmed, receipt, printed, refunded])) {
      const { doc, parked } = project(order);
      expect(doc).toEqual(expected);
      expect(parked).toEqual([]);
    }
  });

  it('a BookingMade releases its parked confirms, and they their parked receipts and prints', () => {
    const { doc, parked, taken } = project([receipt, printed, confirmed]);
    expect(doc).toBeUndefined();
    expect(parked.map((p) => [p.waitsFor, p.event.type])).toEqual([
      [{ ticket_id: ticket }, 'TicketReceiptIssued'],
      [{ ticket_id: ticket }, 'TicketPrinted'],
      [{ booking_id: booking }, 'TicketBookingConfirmed'],
    ]);
    // The confirm, not applied, released nothing: the receipt and print are still parked.
    expect(taken).toEqual([]);

    const store = new ParkedEvents(parked);
    const result = applyReleasing(undefined, made, store.take, 'now');
    expect(result).toMatchObject({ changed: true, newTickets: [ticket], parked: [] });
    expect(result.doc).toEqual(converge([made, confirmed, receipt, printed]));
    expect(store.all()).toEqual([]);
  });

  it('an event that changes nothing (a redelivered confirm) still releases what waits for it', () => {
    const doc = converge([made, confirmed]);
    const store = new ParkedEvents([{ waitsFor: { ticket_id: ticket }, event: printed }]);
    const result = applyReleasing(doc, confirmed, store.take, 'later');
    expect(result.changed).toBe(true);
    expect(result.newTickets).toEqual([]);
    expect(result.doc!.tickets[ticket].printed_at).toBe(printed.published_at);
  });

  it('finds what was parked for a ticket whatever the letter case of its id', () => {
    const store = new ParkedEvents([{ waitsFor: { ticket_id: ticket }, event: printed }]);
    expect(store.take({ ticket_id: ticket.toUpperCase() })).toEqual([printed]);
    expect(store.all()).toEqual([]);
  });

  it('returns the event itself to park when its booking or ticket is missing', () => {
    const nothing = new ParkedEvents();
    expect(applyReleasing(undefined, confirmed, nothing.take, 'now')).toEqual({
      doc: undefined,
      changed: false,
      newTickets: [],
      parked: [{ waitsFor: { booking_id: booking }, event: confirmed }],
    });
    const bare = converge([made]);
    expect(applyReleasing(bare, refunded, nothing.take, 'now').parked).toEqual([
      { waitsFor: { ticket_id: ticket }, event: refunded },
    ]);
  });

  it('names the bookings and tickets whose parked events each event may touch', () => {
    expect(keysOf(made)).toEqual([{ booking_id: booking }]);
    expect(keysOf(confirmed)).toEqual([{ booking_id: booking }, { ticket_id: ticket }]);
    for (const e of [receipt, printed, refunded])
      expect(keysOf(e)).toEqual([{ ticket_id: ticket }]);
  });
});
