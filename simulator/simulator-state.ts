import { Money } from '../src/platform/common/money';

export interface Receipt {
  number: string;
  issued_at: string;
  ticket_id: string;
  price: { money_amount: string; money_currency: string };
  idempotency_key?: string;
  voided: boolean;
  void_reason?: string;
}

export interface VoidRequest {
  ticket_id: string;
  reason: string;
  idempotent_id?: string;
  voided_at: string;
}

export interface Refund {
  payment_reference: string;
  reason: string;
  deduplication_id?: string;
  refunded_at: string;
}

export interface DeadNationBooking {
  booking_id: string;
  event_id: string;
  number_of_tickets: number;
  customer_address: string;
  booked_at: string;
  /** The tickets Dead Nation confirmed for it (sent in the webhook). */
  ticket_ids: string[];
}

export interface DeadNationTicket {
  ticket_id: string;
  booking_id: string;
  customer_email: string;
  price: Money;
  status: 'confirmed' | 'canceled';
}

/** One seat on a flight: Transportation issues a ticket per passenger. */
export interface FlightTicket {
  ticket_id: string;
  flight_id: string;
  passenger_name: string;
  customer_email: string;
  reference_id: string;
  idempotency_key: string;
  booked_at: string;
  /** Set by `DELETE /flight-tickets/{id}`: the seat is free again. */
  canceled_at: string | null;
}

export interface TaxiBooking {
  booking_id: string;
  customer_email: string;
  number_of_passengers: number;
  passenger_name: string;
  reference_id: string;
  idempotency_key: string;
  booked_at: string;
  canceled_at: string | null;
}

/** The answer a Transportation call got, given again to a repeated idempotency key. */
export interface KeptAnswer {
  status: number;
  json: unknown;
}

export interface RecordedRequest {
  seq: number;
  at: string;
  service: string;
  method: string;
  path: string;
  /** The answer's status; null while pending or when the simulator dropped the call. */
  status: number | null;
  fault: 'error' | 'timeout' | null;
  /** What the call is about: its idempotency field, file id, booking id or sheet row. */
  key: string | null;
  correlation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
  headers: Record<string, string>;
}

/**
 * Every valid call the app made to one endpoint with one key, counted raw: the read-back
 * endpoints show effects, and a repeated key has none, so only these counts show an app that
 * called twice.
 */
export interface CallCount {
  service: string;
  /** Method and route, e.g. `PUT /receipts-api/receipts`. */
  endpoint: string;
  key: string;
  /** Calls received (after validation), faulty ones included. */
  calls: number;
  /** Calls the app got a real answer to (not a simulated 500 or a dropped call). */
  answered: number;
}

export interface WebhookAttempt {
  send: number;
  attempt: number;
  at: string;
  status: number | null;
  error?: string;
}

export interface WebhookRecord {
  idempotency_key: string;
  kind: 'confirmed' | 'canceled';
  booking_id: string | null;
  body: { tickets: Array<DeadNationTicket & { status: string }> };
  /** Sends configured (each with the same key) and sends the app accepted. */
  sends: number;
  delivered: number;
  outcome: 'pending' | 'delivered' | 'rejected' | 'failed';
  /** When the first POST left (bench/web-latency.ts measures from it); null before. */
  sent_at: string | null;
  attempts: WebhookAttempt[];
}

const MAX_RECORDED_REQUESTS = 10_000;

/** Everything the simulator received, in memory, as the read-back endpoints show it. */
export class SimulatorState {
  readonly receipts: Receipt[] = [];
  readonly receiptsByKey = new Map<string, Receipt>();
  readonly voids: VoidRequest[] = [];
  readonly voidIds = new Set<string>();
  readonly refunds: Refund[] = [];
  readonly refundIds = new Set<string>();
  readonly files = new Map<string, string>();
  readonly sheets = new Map<string, string[][]>();
  readonly bookings = new Map<string, DeadNationBooking>();
  readonly tickets = new Map<string, DeadNationTicket>();
  readonly webhooks: WebhookRecord[] = [];
  readonly flightTickets = new Map<string, FlightTicket>();
  readonly taxiBookings = new Map<string, TaxiBooking>();
  /** The first answer per idempotency key, one map per endpoint (a key is the caller's per call). */
  readonly flightAnswers = new Map<string, KeptAnswer>();
  readonly taxiAnswers = new Map<string, KeptAnswer>();
  /** The last MAX_RECORDED_REQUESTS calls (bounded, so a load test cannot exhaust memory). */
  readonly requests: RecordedRequest[] = [];
  /** Not bounded like `requests`: one counter per endpoint and key, however many calls. */
  readonly calls = new Map<string, CallCount>();
  private seq = 0;
  private receiptSeq = 0;

  record(request: Omit<RecordedRequest, 'seq' | 'at'>): RecordedRequest {
    const recorded = { seq: ++this.seq, at: new Date().toISOString(), ...request };
    this.requests.push(recorded);
    if (this.requests.length > MAX_RECORDED_REQUESTS) this.requests.shift();
    return recorded;
  }

  /** Counts a call to `endpoint` about `key`; returns its counter. */
  countCall(service: string, endpoint: string, key: string): CallCount {
    const id = `${endpoint} ${key}`;
    let count = this.calls.get(id);
    if (!count) this.calls.set(id, (count = { service, endpoint, key, calls: 0, answered: 0 }));
    count.calls++;
    return count;
  }

  nextReceiptNumber(): string {
    return `RCPT-${String(++this.receiptSeq).padStart(6, '0')}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  }

  clear(): void {
    this.receipts.length = 0;
    this.receiptsByKey.clear();
    this.voids.length = 0;
    this.voidIds.clear();
    this.refunds.length = 0;
    this.refundIds.clear();
    this.files.clear();
    this.sheets.clear();
    this.bookings.clear();
    this.tickets.clear();
    this.webhooks.length = 0;
    this.flightTickets.clear();
    this.taxiBookings.clear();
    this.flightAnswers.clear();
    this.taxiAnswers.clear();
    this.requests.length = 0;
    this.calls.clear();
  }
}
