import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { groupSettled } from '../messaging/support';
import { TestEnv } from '../support/test-env';
import { createShow, liveTickets, postWebhook, webhookTicket } from './support';
import { settled } from '../support/settled';
import { startJourney } from '../support/journey';

/**
 * Spec §9: order never resurrects a ticket. Dead Nation's cancellation may reach us before its
 * confirmation (two webhooks, retried independently), however long before.
 */
describe('a cancellation that overtakes its confirmation', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env));
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  const deadLetters = () => env.redisClient.xrange(env.key('dead-letters'), '-', '+');
  const ticketRow = async (ticketId: string) =>
    (
      await env.query(
        `SELECT booking_id, price_amount::text AS amount, price_currency AS currency,
                customer_email, deleted_at
           FROM tickets WHERE ticket_id = $1`,
        [ticketId],
      )
    )[0];

  it('the cancel alone is handled for good (no retry, no dead letter); the confirmation after it leaves the ticket canceled', async () => {
    const show_id = await createShow(url);
    const { booking_id } = (
      await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 1, customer_email: 'eve@example.com' })
        .expect(201)
    ).body;
    const ticket = webhookTicket({ booking_id, customer_email: 'eve@example.com' });

    await postWebhook(url, randomUUID(), [{ ...ticket, status: 'canceled' }]).expect(200);
    // Published, then acknowledged by remove_ticket, whatever it did: stronger than any wait on a
    // clock, since the confirmation below comes after every retry the cancel could have had.
    await settled(env);
    await groupSettled(env, 'events.TicketBookingCanceled_v1', 'tickets.remove_ticket');
    expect(await deadLetters()).toEqual([]);
    const tombstone = await ticketRow(ticket.ticket_id);
    expect(tombstone).toEqual({
      booking_id,
      amount: '50.00',
      currency: 'EUR',
      customer_email: 'eve@example.com',
      deleted_at: expect.any(Date),
    });
    // Spec §2: known for refunds only once the store-ticket handler has stored it.
    await request(url).put(`/api/ticket-refund/${ticket.ticket_id}`).expect(404);

    await postWebhook(url, randomUUID(), [ticket]).expect(200);
    await settled(env);
    await groupSettled(env, 'events.TicketBookingConfirmed_v1', 'tickets.store_ticket');

    expect((await liveTickets(url)).map((t) => t.ticket_id)).not.toContain(ticket.ticket_id);
    expect((await ticketRow(ticket.ticket_id)).deleted_at).toEqual(tombstone.deleted_at);
    expect(await deadLetters()).toEqual([]);
    // Now stored: known, canceled included.
    await request(url).put(`/api/ticket-refund/${ticket.ticket_id}`).expect(202);
  });
});
