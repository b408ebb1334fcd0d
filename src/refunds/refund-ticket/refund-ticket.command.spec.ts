import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { PaymentsClient } from '../../gateway/payments.client';
import { ReceiptsClient } from '../../gateway/receipts.client';
import { OutboxCommandRouting, CommandSender } from '../../messaging';
import { RefundsRepository } from '../refunds.repository';
import { RefundTicket } from './refund-ticket.command';
import { RefundTicketHandler } from './refund-ticket.handler';

describe('RefundTicket through the CommandBus', () => {
  it('is written to the outbox; its handler never runs in the caller', async () => {
    const sent: object[] = [];
    const touched: string[] = [];
    // Records any call; not a thenable, or Nest would wait for it as an async provider.
    const recorder = (name: string) =>
      new Proxy(
        {},
        {
          get: (_t, method) =>
            method === 'then' ? undefined : async () => touched.push(`${name}.${String(method)}`),
        },
      );
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        RefundTicketHandler,
        OutboxCommandRouting,
        { provide: CommandSender, useValue: { send: async (...c: object[]) => sent.push(...c) } },
        { provide: RefundsRepository, useValue: recorder('refunds') },
        { provide: ReceiptsClient, useValue: recorder('receipts') },
        { provide: PaymentsClient, useValue: recorder('payments') },
      ],
    }).compile();
    await moduleRef.init();
    touched.length = 0; // Nest's lifecycle hooks, called on the fakes too
    const command = new RefundTicket({ ticket_id: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10' });

    await moduleRef.get(CommandBus).execute(command);

    expect(touched).toEqual([]); // no claim, no void, no refund in-process
    expect(sent).toEqual([command]);
    await moduleRef.close();
  });
});
