import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import * as classTransformer from 'class-transformer';
import { TicketsStatusBodyPipe } from './tickets-status.pipe';

const metadata = { type: 'body', metatype: Object } as const;
const ticket = {
  ticket_id: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10',
  status: 'confirmed',
  customer_email: 'ada@example.com',
  price: { amount: '50.00', currency: 'EUR' },
  booking_id: '7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f',
};

async function messagesFor(body: unknown): Promise<string[]> {
  try {
    await new TicketsStatusBodyPipe().transform(body, metadata);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    return ((e as BadRequestException).getResponse() as { message: string[] }).message;
  }
  throw new Error('the body was accepted');
}

describe('TicketsStatusBodyPipe', () => {
  afterEach(() => jest.restoreAllMocks());

  it('refuses more than 500 tickets before building any instance', async () => {
    const plainToInstance = jest.spyOn(classTransformer, 'plainToInstance');
    expect(await messagesFor({ tickets: new Array(501).fill({}) })).toEqual([
      'tickets must contain at most 500 tickets',
    ]);
    expect(plainToInstance).not.toHaveBeenCalled();
  });

  it('takes 500 valid tickets, unknown fields dropped', async () => {
    const plainToInstance = jest.spyOn(classTransformer, 'plainToInstance');
    const body = { tickets: new Array(500).fill({ ...ticket, seat: '12A' }), source: 'x' };
    const out = (await new TicketsStatusBodyPipe().transform(body, metadata)) as any;
    expect(out.tickets).toHaveLength(500);
    expect(out.source).toBeUndefined();
    expect(out.tickets[0].seat).toBeUndefined();
    expect(plainToInstance).toHaveBeenCalled(); // the spy sees what the pipe calls
  });

  it('names the first broken rule of each field, the basic one first', async () => {
    expect(await messagesFor({ tickets: {} })).toEqual(['tickets must be an array']);
    expect(await messagesFor({ tickets: [{ ...ticket, customer_email: undefined }] })).toEqual([
      'tickets.0.customer_email must be an email',
    ]);
    expect(await messagesFor({ tickets: [{ ...ticket, price: '5' }] })).toEqual([
      'tickets.0.price must be an object',
    ]);
  });

  it('answers a bounded list of messages however many tickets are wrong', async () => {
    const messages = await messagesFor({ tickets: new Array(500).fill({}) });
    expect(messages[0]).toBe('tickets.0.ticket_id must be a UUID');
    expect(messages.at(-1)).toBe('Further validation errors were omitted');
    expect(messages.join('').length).toBeLessThan(2_500);
  });
});
