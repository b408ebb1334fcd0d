import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { lastValueFrom, of, toArray, Observable } from 'rxjs';
import {
  COMMAND_HANDLER_METADATA,
  EVENTS_HANDLER_METADATA,
  HANDLER_NAME,
  HANDLER_OPTIONS,
  HandlerOptions,
  SAGA_SUBSCRIPTIONS,
  SagaSubscription,
} from '../handler-name.decorator';
import { Message, MessageRegistry, MessageType } from '../message';
import { hitFault } from '../faults';
import { isOutboxCommand } from '../outbox-command';
import { OutboxWriter } from '../outbox.writer';

/** One consumer group: a handler, the streams it reads, and how to hand it one message. */
export interface Subscription {
  handler: string;
  destinations: string[];
  /** Runs inside the transaction that also records the message as handled by this handler. */
  invoke(message: Message): Promise<void>;
  /** Messages read together may share one transaction (see HandlerOptions.batch). */
  batch: boolean;
  /** Runs outside a transaction; its messages are written after it (HandlerOptions.deferWrites). */
  deferWrites: boolean;
}

export class SubscriptionError extends Error {}

/**
 * Finds every @EventsHandler, @CommandHandler and @MessageSaga in the application and turns it
 * into a Subscription. Refuses at boot what would misroute at run time: an unnamed handler, a
 * handler of an unregistered message, two handlers with one name.
 */
@Injectable()
export class SubscriptionDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly writer: OutboxWriter,
  ) {}

  discover(): Subscription[] {
    const found: Subscription[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const events: MessageType[] | undefined = Reflect.getMetadata(
        EVENTS_HANDLER_METADATA,
        metatype,
      );
      const handled: MessageType | undefined = Reflect.getMetadata(
        COMMAND_HANDLER_METADATA,
        metatype,
      );
      // A command that is no outbox command is a use case run in-process by the CommandBus.
      const command = isOutboxCommand(handled) ? handled : undefined;
      const sagas: SagaSubscription[] = Reflect.getMetadata(SAGA_SUBSCRIPTIONS, metatype) ?? [];
      if (events || command) {
        const handler: string | undefined = Reflect.getMetadata(HANDLER_NAME, metatype);
        if (!handler) {
          throw new SubscriptionError(`${metatype.name} needs @HandlerName('<stable name>')`);
        }
        const options: HandlerOptions = Reflect.getMetadata(HANDLER_OPTIONS, metatype) ?? {};
        if (options.batch && options.deferWrites) {
          throw new SubscriptionError(`${handler}: batch and deferWrites exclude each other`);
        }
        const types = events ?? [command!];
        const method = events ? 'handle' : 'execute';
        found.push({
          handler,
          destinations: types.map((t) => this.destination(t, metatype.name)),
          invoke: (message) => instance[method](message),
          batch: options.batch ?? false,
          deferWrites: options.deferWrites ?? false,
        });
      }
      for (const saga of sagas) {
        found.push({
          handler: saga.name,
          destinations: saga.on.map((t) => this.destination(t, metatype.name)),
          invoke: (message) =>
            this.runSaga(saga.name, instance[saga.property].bind(instance), message),
          batch: false,
          deferWrites: false,
        });
      }
    }
    const seen = new Set<string>();
    for (const s of found) {
      if (seen.has(s.handler)) throw new SubscriptionError(`two handlers are named "${s.handler}"`);
      seen.add(s.handler);
    }
    return found;
  }

  private destination(type: MessageType, owner: string): string {
    const name = MessageRegistry.nameOf(type);
    const registration = name && MessageRegistry.get(name);
    if (!registration) {
      throw new SubscriptionError(
        `${owner} handles ${type?.name}, which is not a registered message`,
      );
    }
    return registration.destination;
  }

  /**
   * A saga is run to completion on this one message, so an error inside its operators fails
   * this delivery (and is retried) instead of killing the saga for good, and the commands it
   * returns join the handling transaction.
   */
  private async runSaga(
    name: string,
    saga: (events$: Observable<Message>) => Observable<Message>,
    message: Message,
  ) {
    const commands = await lastValueFrom(saga(of(message)).pipe(toArray()));
    // A saga's own writes (its state) are in the transaction now; its commands are not yet.
    hitFault('saga.after-pipeline-before-commands', name);
    await this.writer.append(commands.filter(Boolean));
  }
}
