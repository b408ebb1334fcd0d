import { CommandHandler, EventsHandler, Saga } from '@nestjs/cqrs';
import { MessageType } from './message';

/**
 * The metadata key a class decorator writes, learnt by applying it to a throwaway class: the
 * keys of @EventsHandler and @CommandHandler are not part of @nestjs/cqrs's public API.
 */
function keyWrittenBy(decorate: ClassDecorator): string {
  class Probe {}
  decorate(Probe);
  const keys = Reflect.getOwnMetadataKeys(Probe);
  if (keys.length !== 1) throw new Error(`expected one metadata key, got ${keys.length}`);
  return keys[0];
}
class ProbeMessage {}

/** Where @EventsHandler keeps the event types a class handles. */
export const EVENTS_HANDLER_METADATA = keyWrittenBy(EventsHandler(ProbeMessage));
/** Where @CommandHandler keeps the command type a class handles. */
export const COMMAND_HANDLER_METADATA = keyWrittenBy(CommandHandler(ProbeMessage));

export const HANDLER_NAME = Symbol('handler-name');
export const HANDLER_OPTIONS = Symbol('handler-options');

export interface HandlerOptions {
  /**
   * The handler only writes to PostgreSQL (no external call), so the messages read together may
   * be handled in one transaction with one dedupe insert and one XACK: many times the
   * throughput. If anything in the batch fails, the batch rolls back and each message is
   * handled on its own, so a failure still isolates to its message.
   */
  batch?: boolean;
  /**
   * The handler calls external services and writes nothing to the database but the messages it
   * publishes and at most one change (OutboxWriter.deferChange). It then runs outside any
   * transaction, so no connection is held during its calls; what it writes is collected and
   * written, with its dedupe record, in one statement after it returns. A crash in between repeats its external calls (idempotent anyway), never
   * its messages.
   */
  deferWrites?: boolean;
}
export const SAGA_SUBSCRIPTIONS = Symbol('saga-subscriptions');

/**
 * The stable name of an event or command handler: its consumer group is `<serviceName>.<name>`, and
 * its dedupe records carry it. Renaming the class must not start a new group, so the name is
 * explicit.
 */
export function HandlerName(name: string, options: HandlerOptions = {}): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(HANDLER_NAME, name, target);
    Reflect.defineMetadata(HANDLER_OPTIONS, options, target);
  };
}

export interface SagaSubscription {
  property: string;
  name: string;
  on: MessageType[];
}

/**
 * A `@Saga()` that rides the messaging path: it consumes the listed events through its own
 * consumer group `<serviceName>.<name>`, and the commands it returns are written to the outbox in the
 * transaction that records the event as handled. The listed types are needed because the saga's
 * `ofType` filters are invisible from outside.
 */
export function MessageSaga(options: { name: string; on: MessageType[] }): PropertyDecorator {
  return (target, property) => {
    Saga()(target, property);
    const list: SagaSubscription[] =
      Reflect.getMetadata(SAGA_SUBSCRIPTIONS, target.constructor) ?? [];
    Reflect.defineMetadata(
      SAGA_SUBSCRIPTIONS,
      [...list, { property: property as string, ...options }],
      target.constructor,
    );
  };
}
