import { Test } from '@nestjs/testing';
import { Command, CommandBus, CommandHandler, CqrsModule, ICommandHandler } from '@nestjs/cqrs';
import { IntegrationCommand, Message } from './message';
import { isOutboxCommand, OutboxCommandRouting } from './outbox-command';
import { CommandSender } from './outbox.publisher';

@IntegrationCommand('OutboxCommandSpec_Refund')
class RefundSomething extends Message {
  ticket_id: string;
}

class InProcessCommand extends Command<string> {}

const ran: string[] = [];

@CommandHandler(RefundSomething)
class RefundSomethingHandler implements ICommandHandler<RefundSomething> {
  async execute(): Promise<void> {
    ran.push('RefundSomething');
  }
}

@CommandHandler(InProcessCommand)
class InProcessHandler implements ICommandHandler<InProcessCommand> {
  async execute(): Promise<string> {
    ran.push('InProcessCommand');
    return 'answered in process';
  }
}

async function busWith(sent: Message[]): Promise<CommandBus> {
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [
      { provide: CommandSender, useValue: { send: async (...c: Message[]) => sent.push(...c) } },
      OutboxCommandRouting,
      RefundSomethingHandler,
      InProcessHandler,
    ],
  }).compile();
  await moduleRef.init(); // CqrsModule registers the handlers at bootstrap
  return moduleRef.get(CommandBus);
}

describe('CommandBus with outbox commands', () => {
  beforeEach(() => (ran.length = 0));

  it('sends an outbox command through the outbox and never runs its handler in-process', async () => {
    const sent: Message[] = [];
    const bus = await busWith(sent);
    const command = new RefundSomething({ ticket_id: 't1' });
    await bus.execute(command);
    expect(ran).toEqual([]);
    expect(sent).toEqual([command]);
  });

  it('still runs an in-process command by its handler and answers its result', async () => {
    const sent: Message[] = [];
    const bus = await busWith(sent);
    expect(await bus.execute(new InProcessCommand())).toBe('answered in process');
    expect(ran).toEqual(['InProcessCommand']);
    expect(sent).toEqual([]);
  });

  it('tells outbox commands (@IntegrationCommand) from the rest', () => {
    expect(isOutboxCommand(RefundSomething)).toBe(true);
    expect(isOutboxCommand(InProcessCommand)).toBe(false);
    expect(isOutboxCommand(undefined)).toBe(false);
  });
});
