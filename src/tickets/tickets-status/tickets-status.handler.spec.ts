import { UnprocessableEntityException } from '@nestjs/common';
import { MessageRegistry } from '../../messaging';
import { KeyUse } from './webhook-requests.repository';
import { RecordTicketsStatus } from './tickets-status.command';
import { RecordTicketsStatusHandler } from './tickets-status.handler';

// The transaction is the database's business (e2e); here only the decisions are checked.
jest.mock('@nestjs-cls/transactional', () => ({ Transactional: () => () => undefined }));

const ticket = (ticket_id: string, status: 'confirmed' | 'canceled', booking_id = 'b1') => ({
  ticket_id,
  status,
  booking_id,
  customer_email: 'ada@example.com',
  price: { amount: '50.00', currency: 'EUR' },
});

function handlerWith({ unknown = [] as string[], use = 'new' as KeyUse }) {
  const published: object[] = [];
  const requests = { record: jest.fn().mockResolvedValue(use) };
  const bookings = { unknownAmong: jest.fn().mockResolvedValue(new Set(unknown)) };
  const eventBus = { publishAll: async (events: object[]) => published.push(...events) };
  const handler = new RecordTicketsStatusHandler(requests as any, bookings as any, eventBus as any);
  return { handler, published, requests };
}

describe('RecordTicketsStatusHandler', () => {
  it('publishes one event per ticket, in order, keyed by the request key and the ticket id', async () => {
    const { handler, published } = handlerWith({});
    await handler.execute(
      new RecordTicketsStatus('key-', [ticket('t1', 'confirmed'), ticket('t2', 'canceled')]),
    );
    expect(published.map((e) => MessageRegistry.of(e).name)).toEqual([
      'TicketBookingConfirmed_v1',
      'TicketBookingCanceled_v1',
    ]);
    expect(published[0]).toMatchObject({
      ticket_id: 't1',
      booking_id: 'b1',
      customer_email: 'ada@example.com',
      price: { amount: '50.00', currency: 'EUR' },
      header: { idempotency_key: 'key-t1' },
    });
    expect(published[1]).toMatchObject({ header: { idempotency_key: 'key-t2' } });
  });

  it('writes nothing for a replay of the key', async () => {
    const { handler, published } = handlerWith({ use: 'replay' });
    await handler.execute(new RecordTicketsStatus('key', [ticket('t1', 'confirmed')]));
    expect(published).toEqual([]);
  });

  it('refuses the key used before with other tickets', async () => {
    const { handler, published } = handlerWith({ use: 'conflict' });
    await expect(
      handler.execute(new RecordTicketsStatus('key', [ticket('t1', 'confirmed')])),
    ).rejects.toThrow(
      new UnprocessableEntityException('the Idempotency-Key was used before with a different body'),
    );
    expect(published).toEqual([]);
  });

  it('refuses tickets of unknown bookings, naming each once at its first ticket, before using the key', async () => {
    const { handler, published, requests } = handlerWith({ unknown: ['b2', 'b3'] });
    const tickets = [
      ticket('t1', 'confirmed'),
      ticket('t2', 'confirmed', 'b2'),
      ticket('t3', 'canceled', 'b2'),
      ticket('t4', 'confirmed', 'b3'),
    ];
    const refusal = handler.execute(new RecordTicketsStatus('key', tickets)).catch((e) => e);
    const error = await refusal;
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect(error.getResponse().message).toEqual([
      'tickets.1.booking_id names no booking: b2',
      'tickets.3.booking_id names no booking: b3',
    ]);
    expect(requests.record).not.toHaveBeenCalled();
    expect(published).toEqual([]);
  });
});
