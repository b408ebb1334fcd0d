import { randomUUID } from 'node:crypto';

/** The header every event and command carries (spec §3). */
export interface MessageHeader {
  id: string;
  published_at: string;
  idempotency_key: string;
}

export type MessageKind = 'event' | 'command';

export interface MessageType<T = any> {
  new (...args: any[]): T;
}

interface Registration {
  name: string;
  kind: MessageKind;
  type: MessageType;
  /** The stream (before STREAM_PREFIX) the relay publishes it to. */
  destination: string;
  /** Recorded in the events store too (spec §3: the `_v1` events). */
  stored: boolean;
}

const byName = new Map<string, Registration>();
const NAME = Symbol('message-name');

export class DuplicateMessageNameError extends Error {}

function register(name: string, kind: MessageKind, stored: boolean) {
  return (type: MessageType): void => {
    const existing = byName.get(name);
    if (existing && existing.type !== type) {
      throw new DuplicateMessageNameError(
        `Message name "${name}" is used by two classes; every message needs its own stable name`,
      );
    }
    Object.defineProperty(type, NAME, { value: name });
    const destination = `${kind === 'event' ? 'events' : 'commands'}.${name}`;
    byName.set(name, { name, kind, type, destination, stored });
  };
}

/**
 * Marks a class as an event with a stable wire name. The name, never the class name, is what
 * travels: it names the stream, the outbox row and the events-store row.
 */
export function IntegrationEvent(name: string, options: { stored?: boolean } = {}) {
  return register(name, 'event', options.stored ?? /_v\d+$/.test(name));
}

/** Marks a class as a command with a stable wire name (stream `commands.<name>`). */
export function IntegrationCommand(name: string) {
  return register(name, 'command', false);
}

export const MessageRegistry = {
  nameOf(type: MessageType): string | undefined {
    return (type as any)[NAME];
  },
  get(name: string): Registration | undefined {
    return byName.get(name);
  },
  of(message: object): Registration {
    const name = MessageRegistry.nameOf(message.constructor as MessageType);
    const registration = name ? byName.get(name) : undefined;
    if (!registration) {
      throw new Error(
        `${message.constructor.name} is not a registered message: decorate it with @IntegrationEvent or @IntegrationCommand`,
      );
    }
    return registration;
  },
  /** Rebuilds a message instance from its wire payload. */
  decode(name: string, payload: string): Message {
    const registration = byName.get(name);
    if (!registration) throw new UnknownMessageError(`unknown message name "${name}"`);
    const body = JSON.parse(payload);
    if (!body || typeof body !== 'object' || typeof body.header?.id !== 'string') {
      throw new UnknownMessageError(`payload of "${name}" has no header.id`);
    }
    return Object.assign(Object.create(registration.type.prototype), body);
  },
};

export class UnknownMessageError extends Error {}

export function newHeader(idempotencyKey?: string): MessageHeader {
  const id = randomUUID();
  return { id, published_at: new Date().toISOString(), idempotency_key: idempotencyKey ?? id };
}

/**
 * Base of every event and command: `new BookingMade_v1({ booking_id, ... })` fills the header;
 * pass `{ idempotency_key }` as the second argument where the business fact has its own key.
 */
export abstract class Message {
  header: MessageHeader;

  constructor(fields?: object, header?: Partial<MessageHeader>) {
    if (fields) Object.assign(this, fields);
    const given = Object.fromEntries(
      Object.entries(header ?? {}).filter(([, v]) => v !== undefined),
    );
    this.header = { ...newHeader(header?.idempotency_key), ...given };
  }
}
