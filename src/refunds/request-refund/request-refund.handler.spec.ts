import { NotFoundException } from '@nestjs/common';
import { MessageRegistry } from '../../messaging';
import { RequestRefund } from './request-refund.command';
import { RequestRefundHandler } from './request-refund.handler';

function handlerFor(known: boolean) {
  const sent: object[] = [];
  const tickets = { exists: jest.fn().mockResolvedValue(known) };
  const sender = { send: async (...commands: object[]) => sent.push(...commands) };
  return { handler: new RequestRefundHandler(tickets as any, sender as any), sent, tickets };
}

describe('RequestRefundHandler', () => {
  it('sends RefundTicket for a known ticket', async () => {
    const { handler, sent, tickets } = handlerFor(true);
    await handler.execute(new RequestRefund('t1'));
    expect(tickets.exists).toHaveBeenCalledWith('t1');
    expect(sent).toHaveLength(1);
    expect(MessageRegistry.of(sent[0]).name).toBe('RefundTicket');
    expect(sent[0]).toMatchObject({ ticket_id: 't1' });
  });

  it('refuses an unknown ticket with a 404 and sends nothing', async () => {
    const { handler, sent } = handlerFor(false);
    await expect(handler.execute(new RequestRefund('t1'))).rejects.toThrow(
      new NotFoundException('ticket t1 not found'),
    );
    expect(sent).toEqual([]);
  });
});
