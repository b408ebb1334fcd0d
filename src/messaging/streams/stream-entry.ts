import { Message, MessageRegistry } from '../message';

/**
 * The one owner of the stream-entry wire format: what the relay writes, what consumers read,
 * what dead-lettering adds and what a re-drive puts back. Every field name lives here.
 *
 * An entry: `name` (the message's registered name), `payload` (its JSON), `message_id`,
 * `correlation_id` (may be empty), and, when the message was written inside a trace,
 * `traceparent`/`tracestate`. A re-drive adds `redrive_for`: only that group handles the copy.
 * A dead letter is the entry's fields plus the `dlq_*` fields.
 */

/** One entry as a consumer sees it. */
export interface StreamEntry {
  /** the Redis key (with prefix) */
  key: string;
  /** the stream's name without prefix, e.g. `events.BookingMade_v1` */
  destination: string;
  /** the entry id, `<ms>-<seq>` */
  id: string;
  fields: Record<string, string>;
}

/** What the relay sends of an outbox row. */
export interface OutgoingMessage {
  name: string;
  payload: string;
  message_id: string;
  correlation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

/** The fields the relay XADDs for one outbox row, as XADD takes them. */
export function encodeEntry(m: OutgoingMessage): string[] {
  const fields = [
    'name',
    m.name,
    'payload',
    m.payload,
    'message_id',
    m.message_id,
    'correlation_id',
    m.correlation_id ?? '',
  ];
  if (m.traceparent) fields.push('traceparent', m.traceparent);
  if (m.tracestate) fields.push('tracestate', m.tracestate);
  return fields;
}

/** Redis's flat `[field, value, …]` as an object. */
export function toFields(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
}

/** An entry as XREADGROUP/XCLAIM return it, read. */
export function decodeEntry(
  key: string,
  destination: string,
  id: string,
  flat: string[],
): StreamEntry {
  return { key, destination, id, fields: toFields(flat) };
}

/** The message an entry carries; throws if its name is unknown or its payload unreadable. */
export function decodeMessage(entry: StreamEntry): Message {
  return MessageRegistry.decode(entry.fields.name, entry.fields.payload);
}

/**
 * The id a handler dedupes on: the entry's message_id (the relay always sets it), else the
 * header id. Lower case, as PostgreSQL returns uuids, so ids read back compare equal.
 */
export function messageIdOf(entry: StreamEntry, message: Message): string {
  return (entry.fields.message_id || message.header.id).toLowerCase();
}

/** The group a re-driven copy is meant for; undefined for an entry every group handles. */
export function redriveFor(entry: StreamEntry): string | undefined {
  return entry.fields.redrive_for || undefined;
}

/** Why and where an entry was given up. */
export interface DeadLetterCause {
  group: string;
  handler: string;
  error: unknown;
  deliveries: number;
  at?: Date;
}

/** Longest error text kept with a dead letter. */
export const DEAD_LETTER_ERROR_MAX = 2000;

/** The fields of an entry's dead letter: the entry's own, then the `dlq_*` fields. */
export function deadLetterFields(entry: StreamEntry, cause: DeadLetterCause): string[] {
  const error = cause.error as { message?: unknown } | undefined;
  return [
    ...Object.entries(entry.fields).flat(),
    'dlq_stream',
    entry.destination,
    'dlq_entry_id',
    entry.id,
    'dlq_group',
    cause.group,
    'dlq_handler',
    cause.handler,
    'dlq_error',
    String(error?.message ?? cause.error).slice(0, DEAD_LETTER_ERROR_MAX),
    'dlq_deliveries',
    String(cause.deliveries),
    'dlq_at',
    (cause.at ?? new Date()).toISOString(),
  ];
}

export interface DeadLetter {
  id: string;
  stream: string;
  group: string;
  handler: string;
  name: string;
  messageId: string;
  error: string;
  deliveries: number;
  at: string;
  fields: Record<string, string>;
}

/** A dead-letter stream entry, read. */
export function decodeDeadLetter(id: string, flat: string[]): DeadLetter {
  const f = toFields(flat);
  return {
    id,
    stream: f.dlq_stream,
    group: f.dlq_group,
    handler: f.dlq_handler,
    name: f.name,
    messageId: f.message_id,
    error: f.dlq_error,
    deliveries: Number(f.dlq_deliveries),
    at: f.dlq_at,
    fields: f,
  };
}

/**
 * The entry a re-drive puts back on the letter's stream: the original fields (no `dlq_*`, no
 * earlier `redrive_for`), addressed to the group that failed it only.
 */
export function redriveFields(letter: DeadLetter): string[] {
  const original = Object.entries(letter.fields).filter(
    ([k]) => !k.startsWith('dlq_') && k !== 'redrive_for',
  );
  return [...original.flat(), 'redrive_for', letter.group];
}

/** Compares stream ids ("ms-seq"). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
