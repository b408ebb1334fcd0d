import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { settled } from '../support/settled';
import { eventually, exited, listeningUrl, TestEnv } from '../support/test-env';
import { future } from '../flows/support';
import { newAdminToken, newWebhookSecret } from './support';

/**
 * Spec §9: no secret and no customer e-mail address in any log line or error, read from what a
 * spawned app really prints, at its most verbose, through a journey that also fails and retries.
 */
describe('no secrets or personal data in logs', () => {
  describe('start-up errors print connection URLs without their password', () => {
    const env = new TestEnv();
    afterAll(() => env.close());

    const startFails = async (overrides: Record<string, string>) => {
      const child = env.spawn('src/main.js', overrides);
      expect(await exited(child)).toBe(1);
      return child.output.join('');
    };

    it('POSTGRES_URL unreachable', async () => {
      const out = await startFails({ POSTGRES_URL: 'postgres://app:pg-s3cret-pw@127.0.0.1:1/x' });
      expect(out).toMatch(/Cannot reach PostgreSQL/);
      expect(out).not.toContain('pg-s3cret-pw');
    });

    it('REDIS_URL unreachable', async () => {
      const out = await startFails({ REDIS_URL: 'redis://:redis-s3cret-pw@127.0.0.1:1' });
      expect(out).toMatch(/Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      expect(out).not.toContain('redis-s3cret-pw');
    });

    it('POSTGRES_URL invalid', async () => {
      const out = await startFails({ POSTGRES_URL: 'postgres://app:pg-s3cret-pw@h:5432' });
      expect(out).toMatch(/POSTGRES_URL/);
      expect(out).not.toContain('pg-s3cret-pw');
    });

    it.each([
      ['DEAD_NATION_WEBHOOK_SECRET', 'whsec_not base64 s3cret'],
      ['ADMIN_TOKENS', 'short s3cret'],
    ])('%s invalid: named, its value never printed', async (name, value) => {
      const out = await startFails({ [name]: value });
      expect(out).toMatch(name);
      expect(out).not.toContain('s3cret');
    });
  });

  describe('a journey, with retries and refusals, at LOG_LEVEL=trace', () => {
    const secret = newWebhookSecret();
    const token = newAdminToken();
    const env = new TestEnv({
      LOG_LEVEL: 'trace',
      DEAD_NATION_WEBHOOK_SECRET: secret,
      ADMIN_TOKENS: token,
    });
    const email = `leak-${randomUUID()}@example.com`;
    let sim: RunningSimulator;
    let url: string;
    let output: () => string;
    const answers: string[] = [];

    beforeAll(async () => {
      sim = await startSimulator({ webhook: { delay_ms: 10 }, webhookSecret: secret });
      const child = env.spawn('src/main.js', { GATEWAY_URL: sim.url });
      url = await listeningUrl(child);
      sim.configure({ webhook: { app_url: url } });
      output = () => child.output.join('');
    });
    afterAll(async () => {
      await env.close();
      await sim.close();
    });

    const staff = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
    const keep = (res: request.Response) => {
      answers.push(res.text);
      return res;
    };

    it('books, receipts, prints and refunds while the gateway fails now and then', async () => {
      // more failures than the gateway client's own retries (3): the handlers retry too
      sim.configure({ faults: { receipts: { fail_next: 12 }, files: { fail_next: 12 } } });
      const show = await staff(request(url).post('/api/shows')).send({
        dead_nation_id: randomUUID(),
        number_of_tickets: 10,
        start_time: future,
        title: 'Leak Night',
        venue: 'The Hall',
      });
      const booking = keep(
        await request(url)
          .post('/api/book-tickets')
          .send({ show_id: show.body.show_id, number_of_tickets: 2, customer_email: email })
          .expect(201),
      );
      // refusals that carry the address: a 400, a 404 and an unsigned webhook (401)
      keep(
        await request(url)
          .post('/api/book-tickets')
          .send({ show_id: show.body.show_id, number_of_tickets: 0, customer_email: email })
          .expect(400),
      );
      keep(
        await request(url)
          .post('/api/book-tickets')
          .send({ show_id: randomUUID(), number_of_tickets: 1, customer_email: email })
          .expect(404),
      );
      keep(
        await request(url)
          .post('/api/tickets-status')
          .set('Idempotency-Key', randomUUID())
          .send({
            tickets: [
              {
                ticket_id: randomUUID(),
                status: 'confirmed',
                customer_email: email,
                price: { amount: '50.00', currency: 'EUR' },
                booking_id: booking.body.booking_id,
              },
            ],
          })
          .expect(401),
      );
      const tickets = await eventually(
        async () => {
          const res = await staff(request(url).get('/api/tickets')).expect(200);
          const mine = (res.body as { ticket_id: string; customer_email: string }[]).filter(
            (t) => t.customer_email === email,
          );
          return mine.length === 2 && mine;
        },
        { what: 'both tickets stored' },
      );
      await staff(request(url).put(`/api/ticket-refund/${tickets[0].ticket_id}`)).expect(202);
      await settled(env);
      await eventually(() => sim.state.requests.some((r) => r.service === 'payments'), {
        what: 'the refund paid back',
      });
      await settled(env);
    });

    it('printed plenty, at every level', () => {
      expect(output().split('\n').length).toBeGreaterThan(50);
      expect(output()).toMatch(/"level":"(debug|trace)"/);
      expect(output()).toMatch(/"level":"warn"/); // the retries and refusals
      expect(output()).toMatch(/issue_receipt TicketBookingConfirmed_v1 retry/); // faults, retried
      expect(output()).toMatch(/"url":"\/api\/book-tickets"/);
    });

    it('no log line holds the customer e-mail address', () => {
      const lines = output()
        .split('\n')
        .filter((l) => l.includes(email) || l.includes(email.split('@')[0]));
      expect(lines).toEqual([]);
    });

    it('no error answer holds it either', () => {
      expect(answers.slice(1).filter((a) => a.includes(email))).toEqual([]);
    });

    it('neither the webhook secret nor the staff token is printed', () => {
      expect(output()).not.toContain(secret.replace(/^whsec_/, ''));
      expect(output()).not.toContain(token);
    });
  });
});
