import 'reflect-metadata';
import { requestHash } from './request-hash';
import { TicketsStatusRequest } from './tickets-status.dto';
import { TicketsStatusBodyPipe } from './tickets-status.pipe';

const ticket = {
  ticket_id: '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10',
  status: 'confirmed',
  customer_email: 'ada@example.com',
  price: { amount: '50.00', currency: 'EUR' },
  booking_id: '7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f',
};
const other = { ...ticket, ticket_id: '9a8b7c6d-0c39-4b43-9c47-3c1f1e3c9b10' };

/** The hash of a body as the controller gets it: through the webhook's pipe. */
async function hashOf(body: unknown): Promise<string> {
  const parsed = (await new TicketsStatusBodyPipe().transform(body, {
    type: 'body',
    metatype: Object,
  })) as TicketsStatusRequest;
  return requestHash(parsed.tickets);
}

describe('requestHash', () => {
  it('is the same for the same tickets in other key order, letter case and with unknown fields', async () => {
    const reencoded = {
      source: 'dead-nation',
      tickets: [
        {
          booking_id: ticket.booking_id.toUpperCase(),
          seat: '12A',
          price: { currency: 'EUR', amount: '50.00', tax: '1' },
          customer_email: ticket.customer_email,
          status: ticket.status,
          ticket_id: ticket.ticket_id.toUpperCase(),
        },
      ],
    };
    expect(await hashOf(reencoded)).toBe(await hashOf({ tickets: [ticket] }));
  });

  it('differs when any field, the tickets or their order differ', async () => {
    const base = await hashOf({ tickets: [ticket, other] });
    const variants = [
      [{ ...ticket, status: 'canceled' }, other],
      [{ ...ticket, customer_email: 'eve@example.com' }, other],
      [{ ...ticket, price: { amount: '50.01', currency: 'EUR' } }, other],
      [{ ...ticket, price: { amount: '50.00', currency: 'USD' } }, other],
      [{ ...ticket, booking_id: other.ticket_id }, other],
      [ticket],
      [other, ticket],
      [ticket, other, other],
    ];
    for (const tickets of variants) expect(await hashOf({ tickets })).not.toBe(base);
  });
});
