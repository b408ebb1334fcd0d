import type { VipBundleView } from '../../src/vip-bundles/vip-bundle.contract';
// The app's HTTP API as the page uses it: same origin, JSON, and the staff token as the bearer
// when the app asks for one (ADMIN_TOKENS set: a 401 makes the page ask, spec §11).

const TOKEN_KEY = 'tickets.staff-token';

/** The staff token, kept for this browser tab only (sessionStorage), never in a URL. */
export const staffToken = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
};

/** Who wants to know that the app refused the token (the token form). */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function authHeaders(): Record<string, string> {
  const token = staffToken.get();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...authHeaders(),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) onUnauthorized();
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const message = json?.message;
    throw new ApiError(
      res.status,
      Array.isArray(message) ? message.join('; ') : String(message ?? res.statusText),
    );
  }
  return json as T;
}

// The shapes the API answers with (spec §2, §5 and the ops endpoints of §11).

export interface Show {
  show_id: string;
  dead_nation_id: string;
  title: string;
  venue: string;
  start_time: string;
  number_of_tickets: number;
  seats_booked: number;
}

export interface OpsTicket {
  price_amount: string;
  price_currency: string;
  customer_email: string;
  confirmed_at: string | null;
  receipt_issued_at: string | null;
  receipt_number: string | null;
  printed_at: string | null;
  printed_file_name: string | null;
  refunded_at: string | null;
}

export interface OpsBooking {
  booking_id: string;
  booked_at: string;
  last_update: string;
  tickets: Record<string, OpsTicket>;
}

export interface GroupStatus {
  group: string;
  stream: string;
  pending: number;
  lag: number | null;
  present: boolean;
}

export interface DeadLetter {
  id: string;
  stream: string;
  group: string;
  handler: string;
  name: string;
  message_id: string;
  error: string;
  deliveries: number;
  at: string;
}

export interface MessagingPanel {
  groups: GroupStatus[];
  outbox: { backlog: number; oldest_age_seconds: number };
  dead_letter_count: number;
  dead_letters: DeadLetter[];
}

/** GET /api/vip-bundles/:id (spec §8): the bundle's steps, tickets and compensations. */
export type VipBundle = VipBundleView;
