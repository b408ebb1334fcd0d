import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { featureModules } from '../../src/features';
import { TestEnv } from '../support/test-env';
import { createBooking, footprint, future, quietFootprint } from '../flows/support';
import { newAdminToken } from './support';

const showBody = () => ({
  dead_nation_id: randomUUID(),
  number_of_tickets: 5,
  start_time: future,
  title: 'The Mars Volta',
  venue: 'Roundhouse',
});

type Call = (url: string, auth?: string) => request.Test;
const withAuth = (test: request.Test, auth?: string) =>
  auth === undefined ? test : test.set('Authorization', auth);

/** Every staff endpoint of spec §9, as a request with a body that would otherwise succeed. */
const STAFF: [name: string, call: Call][] = [
  ['POST /api/shows', (url, a) => withAuth(request(url).post('/api/shows'), a).send(showBody())],
  ['GET /api/tickets', (url, a) => withAuth(request(url).get('/api/tickets'), a)],
  [
    'PUT /api/ticket-refund/:id',
    (url, a) => withAuth(request(url).put(`/api/ticket-refund/${randomUUID()}`), a),
  ],
  ['GET /api/ops/bookings', (url, a) => withAuth(request(url).get('/api/ops/bookings'), a)],
  [
    'GET /api/ops/bookings/:id',
    (url, a) => withAuth(request(url).get(`/api/ops/bookings/${randomUUID()}`), a),
  ],
  ['GET /api/shows', (url, a) => withAuth(request(url).get('/api/shows'), a)],
  ['GET /api/ops/messaging', (url, a) => withAuth(request(url).get('/api/ops/messaging'), a)],
  [
    'POST /api/ops/dead-letters/redrive',
    (url, a) => withAuth(request(url).post('/api/ops/dead-letters/redrive'), a).send({}),
  ],
  ['GET /metrics', (url, a) => withAuth(request(url).get('/metrics'), a)],
  ['GET /api/docs', (url, a) => withAuth(request(url).get('/api/docs'), a)],
  ['GET /api/docs-json', (url, a) => withAuth(request(url).get('/api/docs-json'), a)],
];

/** Spec §9: staff endpoints take a bearer token from ADMIN_TOKENS; customers' ones stay public. */
describe('staff tokens (ADMIN_TOKENS)', () => {
  const tokens = [newAdminToken(), newAdminToken()];
  const env = new TestEnv({ ADMIN_TOKENS: tokens.join(',') });
  let url: string;

  beforeAll(async () => {
    ({ url } = await env.start(featureModules));
  });
  afterAll(() => env.close());

  describe.each(STAFF)('%s', (_name, call) => {
    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', `Bearer ${newAdminToken()}`],
      ['a token that is a prefix of a right one', `Bearer ${tokens[0].slice(0, -1)}`],
      ['the right token in another scheme', `Basic ${tokens[0]}`],
    ])('401 with WWW-Authenticate: Bearer for %s; nothing written', async (_what, auth) => {
      const before = await quietFootprint(env);
      const res = await call(url, auth).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(res.body.message).toMatch(/ADMIN_TOKENS/);
      expect(await footprint(env)).toEqual(before);
    });

    it.each([0, 1])('served with token %i of ADMIN_TOKENS', async (i) => {
      const res = await call(url, `Bearer ${tokens[i]}`);
      expect(res.status).not.toBe(401);
      expect(res.status).toBeLessThan(500);
    });
  });

  it('a staff request with a token does what it did before', async () => {
    const res = await request(url)
      .post('/api/shows')
      .set('Authorization', `Bearer ${tokens[1]}`)
      .send(showBody())
      .expect(201);
    expect(res.body.show_id).toBeDefined();
  });

  it('the OpenAPI document declares the bearer scheme on staff endpoints only', async () => {
    const doc = (
      await request(url).get('/api/docs-json').set('Authorization', `Bearer ${tokens[0]}`)
    ).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/shows'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/book-tickets'].post.security).toBeUndefined();
  });

  describe('public without a token', () => {
    it('POST /api/book-tickets', async () => {
      const show = await request(url)
        .post('/api/shows')
        .set('Authorization', `Bearer ${tokens[0]}`)
        .send(showBody())
        .expect(201);
      await request(url)
        .post('/api/book-tickets')
        .send({ show_id: show.body.show_id, number_of_tickets: 1, customer_email: 'a@example.com' })
        .expect(201);
    });

    it('POST /api/tickets-status (it has its own signature)', async () => {
      const booking_id = await createBookingAsStaff();
      await request(url)
        .post('/api/tickets-status')
        .set('Idempotency-Key', randomUUID())
        .send({
          tickets: [
            {
              ticket_id: randomUUID(),
              status: 'confirmed',
              customer_email: 'a@example.com',
              price: { amount: '50.00', currency: 'EUR' },
              booking_id,
            },
          ],
        })
        .expect(200);
    });

    it('GET /health', async () => {
      await request(url).get('/health').expect(200);
    });
  });

  async function createBookingAsStaff(): Promise<string> {
    const show = await request(url)
      .post('/api/shows')
      .set('Authorization', `Bearer ${tokens[0]}`)
      .send(showBody())
      .expect(201);
    const res = await request(url)
      .post('/api/book-tickets')
      .send({ show_id: show.body.show_id, number_of_tickets: 1, customer_email: 'a@example.com' })
      .expect(201);
    return res.body.booking_id;
  }
});

describe('without ADMIN_TOKENS, staff endpoints stay open (a laptop, the rest of the suite)', () => {
  const env = new TestEnv();
  let url: string;

  beforeAll(async () => {
    ({ url } = await env.start(featureModules));
  });
  afterAll(() => env.close());

  it.each(STAFF)('%s', async (_name, call) => {
    const res = await call(url);
    expect(res.status).not.toBe(401);
    expect(res.status).toBeLessThan(500);
  });

  it('the usual helpers still work', async () => {
    await createBooking(url);
  });
});
