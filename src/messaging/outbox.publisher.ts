import { Injectable } from '@nestjs/common';
import { IEvent, IEventPublisher } from '@nestjs/cqrs';
import { Message } from './message';
import { OutboxWriter } from './outbox.writer';

/**
 * The @nestjs/cqrs event publisher: `await eventBus.publish(event)` writes to the outbox in the
 * current transaction. It never calls the in-process subject, so no handler runs before commit;
 * handlers run from the consumers, after the relay has published the committed row.
 */
@Injectable()
export class OutboxEventPublisher implements IEventPublisher {
  constructor(private readonly writer: OutboxWriter) {}

  publish<T extends IEvent>(event: T): Promise<void> {
    return this.writer.append([event as unknown as Message]);
  }

  publishAll<T extends IEvent>(events: T[]): Promise<void> {
    return this.writer.append(events as unknown as Message[]);
  }
}

/** Sends commands asynchronously: through the outbox to `commands.<Name>`, handled by a consumer. */
@Injectable()
export class CommandSender {
  constructor(private readonly writer: OutboxWriter) {}

  send(...commands: Message[]): Promise<void> {
    return this.writer.append(commands);
  }
}
