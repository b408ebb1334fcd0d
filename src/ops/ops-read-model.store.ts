import { OpsBooking, receiptDates } from './ops-booking.document';

/** Runs one SQL statement and gives its rows (TypeORM's EntityManager or a pg client, adapted). */
export type Sql = (text: string, params?: unknown[]) => Promise<any[]>;

/** The three tables that make up the read model; a rebuild fills a second set, then swaps. */
export interface OpsTables {
  documents: string;
  tickets: string;
  receiptDates: string;
}

export const LIVE_TABLES: OpsTables = {
  documents: 'read_model_ops_bookings',
  tickets: 'ops_ticket_bookings',
  receiptDates: 'ops_receipt_dates',
};

export const NEXT_TABLES: OpsTables = {
  documents: 'read_model_ops_bookings_next',
  tickets: 'ops_ticket_bookings_next',
  receiptDates: 'ops_receipt_dates_next',
};

/**
 * Taken shared by every live projection transaction before it touches the read model, and
 * exclusively by the rebuild when it swaps its tables in: live writes pause for the swap, and no
 * live transaction is half-way when the rebuild takes the last live updates.
 */
export const PROJECTION_LOCK = 7_264_201_800;

/** A document to write, with what was there before (to update the side tables). */
export interface DocumentChange {
  doc: OpsBooking;
  previous: OpsBooking | undefined;
  /** tickets first seen in this change (their booking goes to the ticket → booking table) */
  newTickets: string[];
}

/** Another transaction created the same document meanwhile: retry with a fresh read. */
export class ConcurrentCreationError extends Error {}

export async function loadDocuments(
  sql: Sql,
  tables: OpsTables,
  bookingIds: string[],
  { forUpdate = false } = {},
): Promise<Map<string, OpsBooking>> {
  if (bookingIds.length === 0) return new Map();
  const rows: { booking_id: string; payload: OpsBooking }[] = await sql(
    `SELECT booking_id, payload FROM ${tables.documents} WHERE booking_id = ANY($1::uuid[])
     ${forUpdate ? 'FOR UPDATE' : ''}`,
    [bookingIds],
  );
  return new Map(rows.map((r) => [r.booking_id, r.payload]));
}

/** The booking each known ticket belongs to (receipts, prints and refunds carry only the ticket). */
export async function bookingsOfTickets(
  sql: Sql,
  tables: OpsTables,
  ticketIds: string[],
): Promise<Map<string, string>> {
  if (ticketIds.length === 0) return new Map();
  const rows: { ticket_id: string; booking_id: string }[] = await sql(
    `SELECT ticket_id, booking_id FROM ${tables.tickets} WHERE ticket_id = ANY($1::uuid[])`,
    [ticketIds],
  );
  return new Map(rows.map((r) => [r.ticket_id, r.booking_id]));
}

/**
 * Writes documents and keeps the side tables in step, in the caller's transaction. New documents
 * are inserted, never upserted, so two transactions creating one document cannot overwrite each
 * other's later changes.
 */
export async function saveDocuments(
  sql: Sql,
  tables: OpsTables,
  changes: DocumentChange[],
): Promise<void> {
  if (changes.length === 0) return;
  const created = changes.filter((c) => !c.previous);
  const updated = changes.filter((c) => c.previous);
  if (created.length > 0) {
    const inserted = await sql(
      `INSERT INTO ${tables.documents} (booking_id, payload)
       SELECT * FROM unnest($1::uuid[], $2::jsonb[]) ON CONFLICT (booking_id) DO NOTHING
       RETURNING booking_id`,
      [created.map((c) => c.doc.booking_id), created.map((c) => JSON.stringify(c.doc))],
    );
    if (inserted.length !== created.length) {
      throw new ConcurrentCreationError('an ops booking document was created concurrently');
    }
  }
  if (updated.length > 0) {
    await sql(
      `UPDATE ${tables.documents} d SET payload = u.payload
       FROM unnest($1::uuid[], $2::jsonb[]) AS u(booking_id, payload)
       WHERE d.booking_id = u.booking_id`,
      [updated.map((c) => c.doc.booking_id), updated.map((c) => JSON.stringify(c.doc))],
    );
  }
  const tickets = changes.flatMap((c) => c.newTickets.map((t) => [t, c.doc.booking_id]));
  if (tickets.length > 0) {
    await sql(
      `INSERT INTO ${tables.tickets} (ticket_id, booking_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT (ticket_id) DO NOTHING`,
      [tickets.map((t) => t[0]), tickets.map((t) => t[1])],
    );
  }
  const redated = changes
    .map((c) => ({
      id: c.doc.booking_id,
      before: receiptDates(c.previous),
      after: receiptDates(c.doc),
    }))
    .filter((c) => c.before.join() !== c.after.join());
  if (redated.length > 0) {
    await sql(`DELETE FROM ${tables.receiptDates} WHERE booking_id = ANY($1::uuid[])`, [
      redated.filter((c) => c.before.length > 0).map((c) => c.id),
    ]);
    const rows = redated.flatMap((c) => c.after.map((date) => [c.id, date]));
    await sql(
      `INSERT INTO ${tables.receiptDates} (booking_id, receipt_date)
       SELECT * FROM unnest($1::uuid[], $2::date[])`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
  }
}

/** The schema of migration 1764201800000, for a set of tables (the rebuild's `_next` set). */
export function createTablesSql(t: OpsTables): string[] {
  return [
    `CREATE TABLE ${t.documents} (
       booking_id uuid  CONSTRAINT ${t.documents}_pkey PRIMARY KEY,
       payload    jsonb NOT NULL)`,
    `CREATE TABLE ${t.tickets} (
       ticket_id  uuid CONSTRAINT ${t.tickets}_pkey PRIMARY KEY,
       booking_id uuid NOT NULL)`,
    `CREATE TABLE ${t.receiptDates} (
       booking_id   uuid NOT NULL,
       receipt_date date NOT NULL,
       CONSTRAINT ${t.receiptDates}_pkey PRIMARY KEY (booking_id, receipt_date))`,
    `CREATE INDEX ${t.receiptDates}_by_date ON ${t.receiptDates} (receipt_date, booking_id)`,
  ];
}

export function dropTablesSql(t: OpsTables): string {
  return `DROP TABLE IF EXISTS ${t.documents}, ${t.tickets}, ${t.receiptDates}`;
}

/** Replaces the live tables by the `_next` ones, under the names (and index names) of the migration. */
export function swapTablesSql(): string[] {
  const statements = [dropTablesSql(LIVE_TABLES)];
  for (const key of ['documents', 'tickets', 'receiptDates'] as const) {
    const [next, live] = [NEXT_TABLES[key], LIVE_TABLES[key]];
    statements.push(`ALTER TABLE ${next} RENAME TO ${live}`);
    statements.push(`ALTER TABLE ${live} RENAME CONSTRAINT ${next}_pkey TO ${live}_pkey`);
  }
  statements.push(
    `ALTER INDEX ${NEXT_TABLES.receiptDates}_by_date RENAME TO ${LIVE_TABLES.receiptDates}_by_date`,
  );
  return statements;
}
