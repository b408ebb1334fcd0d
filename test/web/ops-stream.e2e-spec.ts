import { ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { featureModules } from '../../src/features';
import { OpsUpdates } from '../../src/ops/stream/ops-updates';
import { createBooking } from '../flows/support';
import { eventually, TestEnv } from '../support/test-env';

/** The streams the suite opens at once and then drops (issue 16). */
const STREAMS = Number(process.env.STREAMS ?? 200);

/** An SSE `booking` event as Nest writes it (an `id:` line numbers each event). */
const BOOKING_EVENT = /event: booking\n(?:id: .*\n)?data: (.*)\n\n/;

/** Opens GET /api/ops/stream; resolves once the answer's head is in. */
function openStream(url: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/ops/stream`, { agent: false }, (res) =>
      resolve({ req, res }),
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * GET /api/ops/stream (spec §11): one Redis reader per process however many clients listen,
 * each change of the read model reaches every client, and clients that go away are let go.
 */
describe('the ops stream (Server-Sent Events)', () => {
  const env = new TestEnv();
  let app: INestApplication;
  let url: string;
  let updates: OpsUpdates;

  beforeAll(async () => {
    ({ app, url } = await env.start(featureModules));
    updates = app.get(OpsUpdates);
  });
  afterAll(() => env.close());

  const metric = async () => {
    const text = (await request(url).get('/metrics').expect(200)).text;
    return Number(/^ops_stream_clients (\d+)/m.exec(text)?.[1]);
  };
  const connections = () =>
    new Promise<number>((resolve, reject) =>
      (app.getHttpServer() as Server).getConnections((e, n) => (e ? reject(e) : resolve(n))),
    );

  it(`sends each changed booking to every client, and holds nothing after ${STREAMS} clients leave`, async () => {
    const streams = await Promise.all(Array.from({ length: STREAMS }, () => openStream(url)));
    for (const { res } of streams) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    }
    expect(updates.open).toBe(STREAMS);
    expect(updates.reading).toBe(1);
    expect(await metric()).toBe(STREAMS);

    // A new booking reaches the first and the last client as an SSE `booking` event.
    const seen = [streams[0], streams[STREAMS - 1]].map(
      ({ res }) =>
        new Promise<string>((resolve) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (BOOKING_EVENT.test(text)) resolve(text);
          });
        }),
    );
    const bookingId = await createBooking(url);
    for (const text of await Promise.all(seen)) {
      const data = BOOKING_EVENT.exec(text)![1];
      expect(JSON.parse(data)).toMatchObject({ booking_id: bookingId, tickets: {} });
    }

    for (const { req } of streams) req.destroy();
    await eventually(() => updates.open === 0, { what: 'every stream let go' });
    expect(updates.reading).toBe(0);
    expect(await metric()).toBe(0);
    await eventually(async () => (await connections()) === 0, { what: 'no open socket' });
  });
});
