import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import request from 'supertest';
import { featureModules } from '../../src/features';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { listeningUrl, TestEnv } from '../support/test-env';
import { createBooking, footprint, quietFootprint, webhookTicket } from '../flows/support';

/** Spec §9: security headers, bounded kept headers, and a simulator that is no open door. */
describe('hardened answers', () => {
  const env = new TestEnv();
  let url: string;

  beforeAll(async () => {
    ({ url } = await env.start(featureModules));
  });
  afterAll(() => env.close());

  it.each([
    ['GET /health', () => request(url).get('/health')],
    ['a 400', () => request(url).post('/api/book-tickets').send({})],
    ['a 404', () => request(url).get('/api/nothing-here')],
    ['malformed JSON', () => request(url).post('/api/shows').type('json').send('{')],
  ])('security headers on %s, no X-Powered-By', async (_what, call) => {
    const res = await call();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('Swagger UI at /api/docs runs under the CSP: only same-origin scripts, no inline ones', async () => {
    const res = await request(url).get('/api/docs').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes)![1];
      expect(src).not.toMatch(/^(https?:)?\/\//);
      await request(url)
        .get(new URL(src, `${url}/api/docs/`).pathname)
        .expect(200);
    }
  });

  describe('Idempotency-Key and Correlation-ID: at most 200 printable characters', () => {
    let booking_id: string;
    beforeAll(async () => {
      booking_id = await createBooking(url);
    });

    const webhook = (headers: Record<string, string>) =>
      request(url)
        .post('/api/tickets-status')
        .set({ 'Idempotency-Key': randomUUID(), ...headers })
        .send({ tickets: [webhookTicket({ booking_id })] });

    it.each([
      [
        'Idempotency-Key',
        '201 characters',
        'k'.repeat(201),
        /Idempotency-Key header must be at most 200/,
      ],
      [
        'Correlation-ID',
        '201 characters',
        'c'.repeat(201),
        /Correlation-ID header must be at most 200/,
      ],
      ['Idempotency-Key', 'a tab', 'key\twith-tab', /Idempotency-Key header .*control characters/],
      ['Correlation-ID', 'a tab', 'id\twith-tab', /Correlation-ID header .*control characters/],
    ])(
      '%s with %s on the webhook: 400 naming it, nothing written',
      async (name, _what, value, message) => {
        const before = await quietFootprint(env);
        const res = await webhook({ [name]: value }).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(res.body.message).toMatch(message);
        expect(await footprint(env)).toEqual(before);
      },
    );

    it('a Correlation-ID with a control character on a booking: 400, nothing written', async () => {
      const before = await quietFootprint(env);
      const res = await request(url)
        .post('/api/book-tickets')
        .set('Correlation-ID', 'x\ty')
        .send({ show_id: randomUUID(), number_of_tickets: 1, customer_email: 'a@example.com' })
        .expect(400);
      expect(res.body.message).toMatch(/Correlation-ID/);
      expect(await footprint(env)).toEqual(before);
    });

    it('200 characters are fine', async () => {
      await webhook({
        'Idempotency-Key': 'k'.repeat(200),
        'Correlation-ID': 'c'.repeat(200),
      }).expect(200);
    });
  });
});

describe('the gateway simulator is no open door', () => {
  describe('SIM_CONTROL_TOKEN', () => {
    const token = `sim-${randomUUID()}`;
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startSimulator({ controlToken: token, webhook: { enabled: false } });
    });
    afterAll(() => sim.close());

    it.each([
      ['GET', '/_sim/config'],
      ['POST', '/_sim/config'],
      ['POST', '/_sim/reset'],
      ['GET', '/_sim/requests'],
      ['GET', '/_sim/webhooks'],
    ])('%s %s: 401 without the token or with a wrong one', async (method, path) => {
      const call = () =>
        method === 'GET' ? request(sim.url).get(path) : request(sim.url).post(path).send({});
      const res = await call().expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      await call().set('Authorization', `Bearer ${token}x`).expect(401);
      await call().set('Authorization', `Bearer ${token}`).expect(200);
    });

    it('a refused POST /_sim/config changes nothing', async () => {
      await request(sim.url)
        .post('/_sim/config')
        .send({ faults: { all: { error_rate: 1 } } })
        .expect(401);
      expect(sim.settings.faults.payments.error_rate).toBe(0);
    });

    it('/_sim/health and the services stay open', async () => {
      await request(sim.url).get('/_sim/health').expect(200);
      await request(sim.url).get('/receipts-api/receipts').expect(200);
    });
  });

  describe('the webhook target', () => {
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startSimulator({ webhook: { enabled: false } });
    });
    afterAll(() => sim.close());

    it.each(['http://169.254.169.254/latest/meta-data', 'http://10.1.2.3:8080'])(
      'POST /_sim/config with app_url %s: 400 naming webhook.app_url, unchanged',
      async (app_url) => {
        const before = sim.settings.webhook.app_url;
        const res = await request(sim.url)
          .post('/_sim/config')
          .send({ webhook: { app_url } })
          .expect(400);
        expect(res.body.error).toMatch(/^webhook\.app_url must be a loopback URL/);
        expect(sim.settings.webhook.app_url).toBe(before);
      },
    );

    it('a loopback app_url is taken', async () => {
      await request(sim.url)
        .post('/_sim/config')
        .send({ webhook: { app_url: 'http://127.0.0.1:9' } })
        .expect(200);
    });

    it('allowRemoteAppUrl (SIM_ALLOW_REMOTE_APP_URL=true) takes a remote one', async () => {
      const open = await startSimulator({ allowRemoteAppUrl: true, webhook: { enabled: false } });
      try {
        await request(open.url)
          .post('/_sim/config')
          .send({ webhook: { app_url: 'http://10.1.2.3:8080' } })
          .expect(200);
      } finally {
        await open.close();
      }
    });
  });

  describe('the compiled simulator binds to loopback unless SIM_HOST says otherwise', () => {
    const env = new TestEnv();
    afterAll(() => env.close());

    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

    const reachable = (host: string, port: number) =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host, port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });

    it('by default: reachable on 127.0.0.1 only', async () => {
      const child = env.spawn('simulator/main.js', {
        GATEWAY_PORT: '0',
        SIM_HOST: '',
        LOG_LEVEL: 'info',
      });
      const port = Number(new URL(await listeningUrl(child)).port);
      expect(child.output.join('')).toMatch(/"host":"127\.0\.0\.1"/);
      expect(await reachable('127.0.0.1', port)).toBe(true);
      if (outside) expect(await reachable(outside, port)).toBe(false);
      child.kill('SIGTERM');
    });

    it('SIM_HOST=0.0.0.0 binds every interface', async () => {
      const child = env.spawn('simulator/main.js', {
        GATEWAY_PORT: '0',
        SIM_HOST: '0.0.0.0',
        LOG_LEVEL: 'info',
      });
      const port = Number(new URL(await listeningUrl(child)).port);
      expect(child.output.join('')).toMatch(/"host":"0\.0\.0\.0"/);
      if (outside) expect(await reachable(outside, port)).toBe(true);
      child.kill('SIGTERM');
    });
  });
});
