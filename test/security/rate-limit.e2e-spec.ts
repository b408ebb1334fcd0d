import request from 'supertest';
import { featureModules } from '../../src/features';
import { TestEnv } from '../support/test-env';
import { createShow, footprint, quietFootprint } from '../flows/support';

const book = (url: string, show_id: string, forwardedFor?: string) => {
  const req = request(url).post('/api/book-tickets');
  if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
  return req.send({ show_id, number_of_tickets: 1, customer_email: 'ada@example.com' });
};

/** Spec §9: RATE_LIMIT_PER_MINUTE per client address on the customers' endpoint. */
describe('rate limit on POST /api/book-tickets', () => {
  describe('RATE_LIMIT_PER_MINUTE=3, TRUST_PROXY unset', () => {
    const env = new TestEnv({ RATE_LIMIT_PER_MINUTE: '3' });
    let url: string;
    let show_id: string;
    beforeAll(async () => {
      ({ url } = await env.start(featureModules));
      show_id = await createShow(url, { number_of_tickets: 50 });
    });
    afterAll(() => env.close());

    it('the 4th request in a minute is a 429 with Retry-After, and writes nothing', async () => {
      for (let i = 0; i < 3; i++) await book(url, show_id).expect(201);
      const before = await quietFootprint(env);
      const res = await book(url, show_id).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(res.body.message).toMatch(/more than 3 requests a minute/);
      expect(await footprint(env)).toEqual(before);
    });

    it('X-Forwarded-For is not believed: a new address in it does not reset the count', async () => {
      await book(url, show_id, '203.0.113.7').expect(429);
    });

    it('staff endpoints are not limited', async () => {
      for (let i = 0; i < 5; i++) await request(url).get('/api/tickets').expect(200);
    });
  });

  describe('RATE_LIMIT_PER_MINUTE=2, TRUST_PROXY=loopback (behind a proxy on this host)', () => {
    const env = new TestEnv({ RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    let url: string;
    let show_id: string;
    beforeAll(async () => {
      ({ url } = await env.start(featureModules));
      show_id = await createShow(url, { number_of_tickets: 50 });
    });
    afterAll(() => env.close());

    it('each address named by X-Forwarded-For has its own count', async () => {
      await book(url, show_id, '203.0.113.1').expect(201);
      await book(url, show_id, '203.0.113.1').expect(201);
      await book(url, show_id, '203.0.113.1').expect(429);
      await book(url, show_id, '203.0.113.2').expect(201);
    });
  });

  describe('RATE_LIMIT_PER_MINUTE unset', () => {
    const env = new TestEnv();
    let url: string;
    let show_id: string;
    beforeAll(async () => {
      ({ url } = await env.start(featureModules));
      show_id = await createShow(url, { number_of_tickets: 50 });
    });
    afterAll(() => env.close());

    it('no limit', async () => {
      for (let i = 0; i < 12; i++) await book(url, show_id).expect(201);
    });
  });
});
