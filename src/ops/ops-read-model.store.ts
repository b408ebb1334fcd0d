import { createHash } from 'node:crypto';
import { OpsBooking, Parked, receiptDates, WaitKey } from './ops-booking.document';

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

/** The first key of the advisory locks on one booking's or one ticket's parked events. */
const KEY_LOCK_CLASS = { booking_id: 72_642_018, ticket_id: 72_642_019 };

/**
 * The (class, key) pairs of `pg_advisory_xact_lock(int, int)` that guard the parked events of
 * these bookings and tickets, in the one order every projection takes them (bookings before
 * tickets, then by key) so that two projections never wait for each other in a cycle. An id in
 * any letter case is the same lock; two ids with the same 32-bit hash share one: they wait for
 * each other, nothing worse.
 */
export function keyLocks(keys: WaitKey[]): [number, number][] {
  const locks = new Map<string, [number, number]>();
  for (const key of keys) {
    const [kind, id] =
      'booking_id' in key
        ? (['booking_id', key.booking_id] as const)
        : (['ticket_id', key.ticket_id] as const);
    const lock: [number, number] = [
      KEY_LOCK_CLASS[kind],
      createHash('sha256').update(id.toLowerCase()).digest().readInt32BE(0),
    ];
    locks.set(lock.join(), lock);
  }
  return [...locks.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** `pg_advisory_xact_lock($n, $n+1), …` for the locks, parameters from `$first` on. */
export function keyLocksSql(locks: [number, number][], first: number): string {
  return locks
    .map((_, i) => `pg_advisory_xact_lock($${first + 2 * i}, $${first + 2 * i + 1})`)
    .join(', ');
}

/** Parks events whose booking or ticket is not projected yet (live projection only). */
export async function parkEvents(sql: Sql, parked: Parked[]): Promise<void> {
  if (parked.length === 0) return;
  const of = (p: Parked, key: 'booking_id' | 'ticket_id') =>
    key in p.waitsFor ? (p.waitsFor as Record<string, string>)[key] : null;
  await sql(
    `INSERT INTO ops_pending_events (event_id, booking_id, ticket_id, event)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::jsonb[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      parked.map((p) => p.event.id),
      parked.map((p) => of(p, 'booking_id')),
      parked.map((p) => of(p, 'ticket_id')),
      parked.map((p) => JSON.stringify(p.event)),
    ],
  );
}

/** Removes and gives the events parked for these bookings or tickets (all of one kind). */
export async function takeParkedEvents(sql: Sql, keys: WaitKey[]): Promise<Parked[]> {
  if (keys.length === 0) return [];
  const column = 'booking_id' in keys[0] ? 'booking_id' : 'ticket_id';
  const rows: { id: string; event: Parked['event'] }[] = await sql(
    // A SELECT around the DELETE: TypeORM answers a bare DELETE with [rows, count], not rows.
    `WITH taken AS (DELETE FROM ops_pending_events WHERE ${column} = ANY($1::uuid[])
                    RETURNING ${column} AS id, event)
     SELECT id, event FROM taken`,
    [keys.map((k) => (k as Record<string, string>)[column])],
  );
  return rows.map((r) => ({ waitsFor: { [column]: r.id } as WaitKey, event: r.event }));
}

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
