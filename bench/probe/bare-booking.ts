import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { TRACEPARENT } from '../support/ceilings';

/**
 * The framework-free reference of the booking target ("as fast as a framework-free server"):
 * node:http + a pg Pool of 20, hand validation, and the statement the app sends for a booking
 * (bookings.repository.ts through OutboxWriter.changeWith, same parameters and payload). No Nest,
 * no TypeORM, no CLS, no logging, no tracing, no metrics: measured in the same run as the app, it
 * shows what this machine allows a Node process on this path. Not part of the product.
 */
const BOOK = `WITH seats AS (
  UPDATE show_seats SET seats_booked = seats_booked + $3::int
   WHERE show_id = $2 AND seats_booked::bigint + $3::int <= capacity
  RETURNING show_id),
booking AS (
  INSERT INTO bookings (booking_id, show_id, number_of_tickets, customer_email)
  SELECT $1, show_id, $3::int, $4 FROM seats RETURNING booking_id),
outbox_rows AS (
  INSERT INTO outbox (message_id, destination, name, payload, correlation_id, traceparent, tracestate)
  SELECT * FROM (VALUES ($5::uuid, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text)) v
   WHERE EXISTS (SELECT 1 FROM booking)),
stored_rows AS (
  INSERT INTO events (event_id, published_at, event_name, event_payload)
  SELECT * FROM (VALUES ($12::uuid, $13::timestamptz, $14::text, $15::jsonb)) v
   WHERE EXISTS (SELECT 1 FROM booking)
  ON CONFLICT (event_id) DO NOTHING)
SELECT * FROM booking`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const pool = new Pool({ connectionString: process.env.POSTGRES_URL, max: 20 });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function book(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const { show_id, number_of_tickets: n, customer_email } = body;
  if (typeof show_id !== 'string' || !UUID.test(show_id))
    return send(res, 400, { message: 'show_id' });
  if (!Number.isInteger(n) || n < 1) return send(res, 400, { message: 'number_of_tickets' });
  if (typeof customer_email !== 'string' || !customer_email.includes('@'))
    return send(res, 400, { message: 'customer_email' });
  const booking_id = randomUUID();
  const id = randomUUID();
  const published_at = new Date().toISOString();
  const payload = JSON.stringify({
    header: { id, published_at, idempotency_key: id },
    booking_id,
    show_id,
    number_of_tickets: n,
    customer_email,
  });
  const destination = 'events.BookingMade_v1';
  const correlation = String(req.headers['correlation-id'] ?? randomUUID());
  const { rowCount } = await pool.query(BOOK, [
    ...[booking_id, show_id, n, customer_email],
    ...[id, destination, 'BookingMade_v1', payload, correlation, TRACEPARENT, null],
    ...[id, published_at, 'BookingMade_v1', payload],
  ]);
  if (rowCount !== 1) return send(res, 400, { message: 'not enough seats available' });
  send(res, 201, { booking_id });
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/book-tickets') {
    book(req, res).catch((e) => send(res, 500, { message: String(e?.message ?? e) }));
  } else if (req.url === '/health') {
    send(res, 200, { status: 'ok' });
  } else {
    send(res, 404, { message: 'not found' });
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
