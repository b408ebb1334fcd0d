import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { withBenchDatabase } from './support/bench-database';
import { rebuildOpsReadModel } from '../src/ops/rebuild/ops-read-model.rebuild';

/**
 * How fast the ops read model rebuilds: fills a throw-away database's events store with
 * EVENTS (default 100,000) events of realistic bookings, times the rebuild, drops the database.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/rebuild-rate.js
 *
 * PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server.
 */
async function main(): Promise<void> {
  const target = Number(process.env.EVENTS ?? 100_000);
  await withBenchDatabase(async (url) => {
    const written = await fillEventsStore(url, target);
    const report = await rebuildOpsReadModel({ postgresUrl: url });
    const rate = Math.round(report.eventsRead / (report.durationMs / 1000));
    console.log(
      `${report.eventsRead} events (${written} written) -> ${report.documents} documents in ` +
        `${(report.durationMs / 1000).toFixed(2)} s: ${rate} events/s`,
    );
  });
}

/** Bookings of 1-3 tickets, each confirmed, receipted and printed, one in ten refunded. */
async function fillEventsStore(postgresUrl: string, target: number): Promise<number> {
  const db = new Client({ connectionString: postgresUrl });
  await db.connect();
  let time = Date.parse('2025-01-01T00:00:00Z');
  let rows: [string, string, string, string][] = [];
  let written = 0;
  const add = (name: string, fields: object) => {
    const header = { id: randomUUID(), published_at: new Date((time += 7)).toISOString() };
    const body = { header: { ...header, idempotency_key: header.id }, ...fields };
    rows.push([header.id, header.published_at, name, JSON.stringify(body)]);
  };
  const flush = async () => {
    await db.query(
      `INSERT INTO events (event_id, published_at, event_name, event_payload)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::jsonb[])`,
      [0, 1, 2, 3].map((i) => rows.map((r) => r[i])),
    );
    written += rows.length;
    rows = [];
  };
  while (written + rows.length < target) {
    const booking_id = randomUUID();
    const email = `${booking_id.slice(0, 8)}@example.com`;
    add('BookingMade_v1', {
      booking_id,
      show_id: randomUUID(),
      number_of_tickets: 2,
      customer_email: email,
    });
    for (let t = 1 + Math.floor(Math.random() * 3); t > 0; t--) {
      const ticket_id = randomUUID();
      const price = { amount: '50.00', currency: 'EUR' };
      add('TicketBookingConfirmed_v1', { ticket_id, booking_id, customer_email: email, price });
      add('TicketReceiptIssued_v1', {
        ticket_id,
        receipt_number: `R-${ticket_id.slice(0, 8)}`,
        issued_at: new Date(time).toISOString(),
      });
      add('TicketPrinted_v1', { ticket_id, file_name: `${ticket_id}-ticket.html` });
      if (Math.random() < 0.1) add('TicketRefunded_v1', { ticket_id });
    }
    if (rows.length >= 5000) await flush();
  }
  await flush();
  await db.query('ANALYZE events');
  await db.end();
  return written;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
