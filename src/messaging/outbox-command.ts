import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { MessageRegistry, MessageType } from './message';
import { CommandSender } from './outbox.publisher';

/**
 * A command that travels between processes (`@IntegrationCommand`): written to the outbox and
 * handled by its consumer group, never by a call in the sender's process.
 */
export function isOutboxCommand(type: MessageType | undefined): boolean {
  const name = type && MessageRegistry.nameOf(type);
  return !!name && MessageRegistry.get(name)?.kind === 'command';
}

/**
 * Makes `commandBus.execute(outboxCommand)` send the command through the outbox, in the current
 * transaction, like `CommandSender.send`. Nest's CommandBus always runs the handler it has for
 * a command in the caller's process, and the handler of an outbox command is registered there
 * too (it is a @CommandHandler, which is how its consumer finds it): executed that way, it would
 * run with no outbox, no dedupe, no retry. The bus is CqrsModule's own instance (a global
 * module's provider cannot be replaced), so its `execute` is wrapped here, before any handler
 * or saga can run; every other command still goes straight to its in-process handler.
 */
@Injectable()
export class OutboxCommandRouting implements OnModuleInit {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly sender: CommandSender,
  ) {}

  onModuleInit(): void {
    const bus = this.commandBus;
    const inProcess = bus.execute.bind(bus) as (command: ICommand, ...rest: any[]) => Promise<any>;
    bus.execute = ((command: ICommand, ...rest: any[]) =>
      isOutboxCommand(command?.constructor as MessageType)
        ? this.sender.send(command as any)
        : inProcess(command, ...rest)) as CommandBus['execute'];
  }
}
