import { randomUUID } from 'node:crypto';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { eventually, TestEnv } from '../support/test-env';
import { http, UUID, webhookReceiver } from './support';

const booking = (overrides: Record<string, unknown> = {}) => ({
  booking_id: randomUUID(),
  event_id: randomUUID(),
  number_of_tickets: 3,
  customer_address: 'ann@example.com',
  ...overrides,
});
const fastWebhook = { delay_ms: 5, retry_initial_ms: 10, retry_max_ms: 40 };

/**
 * The webhooks once none is pending: every send done, rejected or given up, so nothing more
 * can come (a send is registered when its booking is, before the booking call answers).
 */
async function finishedWebhooks(sim: RunningSimulator) {
  return eventually(
    async () => {
      const { data } = await http.get(`${sim.url}/_sim/webhooks`);
      return data.every((w: { outcome: string }) => w.outcome !== 'pending') && data;
    },
    { what: 'every webhook finished' },
  );
}

describe('gateway simulator', () => {
  const env = new TestEnv();
  const running: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(x: T) => (running.push(x), x);

  afterEach(async () => {
    for (const x of running.splice(0)) await x.close();
  });
  afterAll(async () => {
    await env.close();
  });

  describe('Dead Nation webhook', () => {
    it('confirms a booking twice with one Idempotency-Key, retrying while the app answers 503', async () => {
      const app = track(await webhookReceiver((n) => (n <= 2 ? 503 : 200)));
      const sim = track(await startSimulator({ webhook: { app_url: app.url, ...fastWebhook } }));
      const b = booking();

      const answer = await http.post(`${sim.url}/dead-nation-api/ticket/booking`, b, {
        headers: { 'Correlation-ID': 'corr-booking-1' },
      });
      expect(answer.status).toBe(200);
      expect(answer.data).toEqual({ booking_id: b.booking_id });

      await eventually(() => app.received.filter((r) => r.answered === 200).length === 2, {
        what: 'two accepted webhooks',
      });
      await finishedWebhooks(sim); // nothing more may come
      expect(app.received.map((r) => r.answered)).toEqual([503, 503, 200, 200]);
      const keys = new Set(app.received.map((r) => r.headers['idempotency-key']));
      expect(keys.size).toBe(1);
      expect([...keys][0]).toMatch(UUID);
      for (const r of app.received) {
        expect(r.method).toBe('POST');
        expect(r.path).toBe('/api/tickets-status');
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expect(r.headers['correlation-id']).toBe('corr-booking-1');
        expect(r.body).toEqual(app.received[0].body);
      }

      const tickets = app.received[0].body.tickets;
      expect(tickets).toHaveLength(3);
      for (const t of tickets) {
        expect(t).toEqual({
          ticket_id: expect.stringMatching(UUID),
          status: 'confirmed',
          customer_email: 'ann@example.com',
          price: { amount: '50.00', currency: 'EUR' },
          booking_id: b.booking_id,
        });
      }
      const ids = tickets.map((t: { ticket_id: string }) => t.ticket_id);
      expect(new Set(ids).size).toBe(3);

      const { data: bookings } = await http.get(`${sim.url}/dead-nation-api/bookings`);
      expect(bookings).toEqual([{ ...b, booked_at: expect.any(String), ticket_ids: ids }]);
      const { data: webhooks } = await http.get(`${sim.url}/_sim/webhooks`);
      expect(webhooks).toEqual([
        expect.objectContaining({
          kind: 'confirmed',
          sends: 2,
          delivered: 2,
          outcome: 'delivered',
        }),
      ]);
      expect(
        webhooks[0].attempts.map((a: { send: number; status: number }) => [a.send, a.status]),
      ).toEqual([
        [1, 503],
        [1, 503],
        [1, 200],
        [2, 200],
      ]);
    });

    it('does not confirm a repeated booking_id again', async () => {
      const app = track(await webhookReceiver());
      const sim = track(
        await startSimulator({ webhook: { app_url: app.url, repeats: 1, ...fastWebhook } }),
      );
      const b = booking({ number_of_tickets: 1 });

      await http.post(`${sim.url}/dead-nation-api/ticket/booking`, b);
      await eventually(() => app.received.length === 1, { what: 'the webhook' });
      expect((await http.post(`${sim.url}/dead-nation-api/ticket/booking`, b)).status).toBe(200);

      expect(await finishedWebhooks(sim)).toHaveLength(1);
      expect(app.received).toHaveLength(1);
      expect((await http.get(`${sim.url}/dead-nation-api/bookings`)).data).toHaveLength(1);
    });

    it('takes the repeat count and the price from /_sim/config', async () => {
      const app = track(await webhookReceiver());
      const sim = track(await startSimulator({ webhook: { app_url: app.url, ...fastWebhook } }));
      const config = await http.post(`${sim.url}/_sim/config`, {
        webhook: { repeats: 3, price: { amount: '99.90', currency: 'USD' } },
      });
      expect(config.status).toBe(200);
      expect(config.data.webhook).toMatchObject({
        repeats: 3,
        price: { amount: '99.90', currency: 'USD' },
      });

      await http.post(
        `${sim.url}/dead-nation-api/ticket/booking`,
        booking({ number_of_tickets: 1 }),
      );
      await eventually(() => app.received.length === 3, { what: 'three webhooks' });
      await finishedWebhooks(sim);

      expect(app.received).toHaveLength(3);
      expect(new Set(app.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
      expect(app.received[0].body.tickets[0].price).toEqual({ amount: '99.90', currency: 'USD' });
    });

    it('waits delay_ms before the first send', async () => {
      const app = track(await webhookReceiver());
      const sim = track(
        await startSimulator({ webhook: { app_url: app.url, repeats: 1, delay_ms: 400 } }),
      );
      const asked = Date.now();
      await http.post(`${sim.url}/dead-nation-api/ticket/booking`, booking());
      await eventually(() => app.received.length === 1, { what: 'the delayed webhook' });
      // A lower bound from the setting: a loaded machine only makes the wait longer.
      expect(app.received[0].at - asked).toBeGreaterThanOrEqual(400);
    });

    it('stops when the app rejects the webhook with a 4xx', async () => {
      const app = track(await webhookReceiver(() => 400));
      const sim = track(await startSimulator({ webhook: { app_url: app.url, ...fastWebhook } }));
      await http.post(`${sim.url}/dead-nation-api/ticket/booking`, booking());

      const [webhook] = await finishedWebhooks(sim);
      expect(webhook.outcome).toBe('rejected');
      expect(app.received).toHaveLength(1);
      expect(webhook).toMatchObject({
        delivered: 0,
        attempts: [{ send: 1, attempt: 1, status: 400 }],
      });
    });

    it('retries an unreachable app a bounded number of times', async () => {
      const appUrl = 'http://127.0.0.1:1'; // privileged and unused: always refused, never raced
      const sim = track(
        await startSimulator({ webhook: { app_url: appUrl, max_attempts: 3, ...fastWebhook } }),
      );
      await http.post(`${sim.url}/dead-nation-api/ticket/booking`, booking());

      const [webhook] = await eventually(async () => {
        const { data } = await http.get(`${sim.url}/_sim/webhooks`);
        return data[0]?.outcome === 'failed' ? data : null;
      });
      expect(webhook.attempts).toEqual(
        [1, 2, 3].map((attempt) =>
          expect.objectContaining({ send: 1, attempt, status: null, error: 'ECONNREFUSED' }),
        ),
      );
    });

    it('sends a canceled webhook, with a new key, for tickets it confirmed', async () => {
      const app = track(await webhookReceiver());
      const sim = track(
        await startSimulator({ webhook: { app_url: app.url, repeats: 1, ...fastWebhook } }),
      );
      const b = booking({ number_of_tickets: 2 });
      await http.post(`${sim.url}/dead-nation-api/ticket/booking`, b);
      await eventually(() => app.received.length === 1, { what: 'the confirmation' });
      const [first, second] = app.received[0].body.tickets;

      const cancel = await http.post(`${sim.url}/_sim/dead-nation/cancel`, {
        ticket_ids: [second.ticket_id],
      });
      expect(cancel.status).toBe(202);
      await eventually(() => app.received.length === 2, { what: 'the cancellation' });

      const canceled = app.received[1];
      expect(canceled.headers['idempotency-key']).toBe(cancel.data.idempotency_key);
      expect(canceled.headers['idempotency-key']).not.toBe(
        app.received[0].headers['idempotency-key'],
      );
      expect(canceled.body).toEqual({ tickets: [{ ...second, status: 'canceled' }] });
      expect(first.status).toBe('confirmed');

      const unknown = await http.post(`${sim.url}/_sim/dead-nation/cancel`, {
        ticket_ids: [randomUUID()],
      });
      expect(unknown.status).toBe(400);
      expect(unknown.data.error).toMatch(
        /^ticket_ids holds .* a ticket Dead Nation never confirmed$/,
      );
    });

    it('splits a large booking into webhooks the app can take (at most 500 tickets each)', async () => {
      const app = track(await webhookReceiver());
      const sim = track(
        await startSimulator({ webhook: { app_url: app.url, repeats: 1, ...fastWebhook } }),
      );
      await http.post(
        `${sim.url}/dead-nation-api/ticket/booking`,
        booking({ number_of_tickets: 1200 }),
      );

      await eventually(() => app.received.length === 3, { what: 'three webhooks' });
      expect(app.received.map((r) => r.body.tickets.length).sort()).toEqual([200, 500, 500]);
      expect(new Set(app.received.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    });
  });

  describe('validation', () => {
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startSimulator({ webhook: { enabled: false } });
    });
    afterAll(() => sim.close());

    const receipt = {
      ticket_id: randomUUID(),
      price: { money_amount: '50.00', money_currency: 'EUR' },
      idempotency_key: 'k',
    };
    const cases: Array<[string, string, string, unknown, string]> = [
      [
        'POST',
        '/dead-nation-api/ticket/booking',
        'booking_id',
        booking({ booking_id: 'x' }),
        'booking_id must be a UUID',
      ],
      [
        'POST',
        '/dead-nation-api/ticket/booking',
        'event_id',
        booking({ event_id: undefined }),
        'event_id must be a UUID',
      ],
      [
        'POST',
        '/dead-nation-api/ticket/booking',
        'number_of_tickets',
        booking({ number_of_tickets: 0 }),
        'number_of_tickets must be an integer from 1 to 100000',
      ],
      [
        'POST',
        '/dead-nation-api/ticket/booking',
        'number_of_tickets',
        booking({ number_of_tickets: '2' }),
        'number_of_tickets must be an integer from 1 to 100000',
      ],
      [
        'POST',
        '/dead-nation-api/ticket/booking',
        'customer_address',
        booking({ customer_address: '' }),
        'customer_address must be a non-empty string',
      ],
      [
        'PUT',
        '/receipts-api/receipts',
        'ticket_id',
        { ...receipt, ticket_id: 'abc' },
        'ticket_id must be a UUID',
      ],
      [
        'PUT',
        '/receipts-api/receipts',
        'price',
        { ...receipt, price: '50.00' },
        'price must be a JSON object',
      ],
      [
        'PUT',
        '/receipts-api/receipts',
        'price.money_amount',
        { ...receipt, price: { money_amount: 50, money_currency: 'EUR' } },
        'price.money_amount must be a decimal string such as "50.00"',
      ],
      [
        'PUT',
        '/receipts-api/receipts',
        'price.money_currency',
        { ...receipt, price: { money_amount: '5', money_currency: 'euro' } },
        'price.money_currency must be a three-letter currency code such as "EUR"',
      ],
      [
        'PUT',
        '/receipts-api/receipts',
        'idempotency_key',
        { ...receipt, idempotency_key: 7 },
        'idempotency_key must be a non-empty string',
      ],
      [
        'PUT',
        '/receipts-api/void-receipt',
        'reason',
        { ticket_id: randomUUID(), idempotent_id: 'k' },
        'reason must be a non-empty string',
      ],
      [
        'PUT',
        '/payments-api/refunds',
        'payment_reference',
        { reason: 'r', deduplication_id: 'd' },
        'payment_reference must be a non-empty string',
      ],
      [
        'POST',
        '/spreadsheets-api/sheets/s/rows',
        'columns',
        { columns: ['a', 1] },
        'columns must be an array of strings',
      ],
      [
        'POST',
        '/spreadsheets-api/sheets/s/rows',
        'columns',
        { rows: [['a']] },
        'columns must be an array of strings',
      ],
      ['PUT', '/payments-api/refunds', 'body', [1, 2], 'body must be a JSON object'],
    ];

    it.each(cases)(
      '%s %s rejects a bad %s with 400 naming it',
      async (method, path, _field, body, error) => {
        const answer = await http.request({ method, url: sim.url + path, data: body });
        expect(answer.status).toBe(400);
        expect(answer.data).toEqual({ error });
      },
    );

    it('rejects a body that is not JSON, or JSON sent as something else', async () => {
      const notJson = await http.put(`${sim.url}/payments-api/refunds`, '{"reason":', {
        headers: { 'Content-Type': 'application/json' },
      });
      expect(notJson.status).toBe(400);
      expect(notJson.data.error).toMatch(/^body is not valid JSON/);

      const asText = await http.put(`${sim.url}/payments-api/refunds`, '{}', {
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(asText.status).toBe(400);
      expect(asText.data).toEqual({ error: 'body must be a JSON object' });
    });

    it('accepts files only as non-empty text/plain', async () => {
      const json = await http.put(`${sim.url}/files-api/files/a.html/content`, { a: 1 });
      expect(json.status).toBe(400);
      expect(json.data).toEqual({ error: 'Content-Type must be text/plain' });
      const empty = await http.put(`${sim.url}/files-api/files/a.html/content`, '', {
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(empty.status).toBe(400);
      expect(empty.data).toEqual({ error: 'body must be the non-empty file content' });
      expect((await http.get(`${sim.url}/files-api/files`)).data).toEqual({ files: [] });
    });

    it('changes nothing for a rejected call', async () => {
      await http.put(`${sim.url}/receipts-api/receipts`, { ...receipt, ticket_id: 'abc' });
      expect((await http.get(`${sim.url}/receipts-api/receipts`)).data).toEqual([]);
    });

    it('answers 404 for an unknown endpoint or file', async () => {
      expect((await http.get(`${sim.url}/nope`)).status).toBe(404);
      const missing = await http.get(`${sim.url}/files-api/files/none.html/content`);
      expect(missing.status).toBe(404);
      expect(missing.data).toEqual({ error: 'file none.html not found' });
    });

    it('rejects an invalid /_sim/config naming the setting, and changes nothing', async () => {
      const before = (await http.get(`${sim.url}/_sim/config`)).data;
      const bad: Array<[unknown, string]> = [
        [
          { faults: { receipts: { error_rate: 1.5 } } },
          'faults.receipts.error_rate must be a number from 0 to 1',
        ],
        [{ faults: { receits: {} } }, 'faults.receits is not a known setting'],
        [{ faults: { all: { latency: 5 } } }, 'faults.all.latency is not a known setting'],
        [{ webhook: { repeats: 0 } }, 'webhook.repeats must be an integer from 1 to 100'],
        [{ webhook: { app_url: 'ftp://x' } }, 'webhook.app_url must be an http(s) URL'],
        [
          { faults: { payments: { error_rate: 0.7, timeout_rate: 0.7 } } },
          'faults.payments error_rate + timeout_rate must not exceed 1',
        ],
      ];
      for (const [body, error] of bad) {
        const answer = await http.post(`${sim.url}/_sim/config`, body);
        expect(answer.status).toBe(400);
        expect(answer.data.error).toContain(error);
      }
      expect((await http.get(`${sim.url}/_sim/config`)).data).toEqual(before);
    });
  });

  describe('faults', () => {
    const statuses = async (url: string, n: number) => {
      const seen: number[] = [];
      for (let i = 0; i < n; i++)
        seen.push((await http.get(`${url}/spreadsheets-api/sheets/s/rows`)).status);
      return seen;
    };

    it('answers a seeded share of calls with 500, the same way on every run', async () => {
      const faults = { spreadsheets: { error_rate: 0.5 } };
      const a = track(await startSimulator({ seed: 7, faults }));
      const b = track(await startSimulator({ seed: 7, faults }));
      const c = track(await startSimulator({ seed: 8, faults }));

      const run = await statuses(a.url, 40);
      expect(run.filter((s) => s === 500).length).toBeGreaterThan(8);
      expect(run.filter((s) => s === 200).length).toBeGreaterThan(8);
      expect(await statuses(b.url, 40)).toEqual(run);
      expect(await statuses(c.url, 40)).not.toEqual(run);

      // Re-seeding at run time starts the sequence again.
      await http.post(`${a.url}/_sim/config`, { seed: 7 });
      expect(await statuses(a.url, 40)).toEqual(run);
    });

    it('applies faults per service', async () => {
      const sim = track(await startSimulator());
      await http.post(`${sim.url}/_sim/config`, { faults: { spreadsheets: { error_rate: 1 } } });
      expect(await statuses(sim.url, 3)).toEqual([500, 500, 500]);
      const refund = await http.put(`${sim.url}/payments-api/refunds`, {
        payment_reference: 'p',
        reason: 'r',
      });
      expect(refund.status).toBe(200);
      const { data } = await http.get(`${sim.url}/_sim/requests`, {
        params: { service: 'spreadsheets' },
      });
      expect(data.map((r: { fault: string }) => r.fault)).toEqual(['error', 'error', 'error']);
    });

    it('a 500 has no effect unless after_effect is set', async () => {
      const sim = track(await startSimulator({ faults: { payments: { fail_next: 1 } } }));
      const refund = { payment_reference: 'p', reason: 'r', deduplication_id: 'd' };
      expect((await http.put(`${sim.url}/payments-api/refunds`, refund)).status).toBe(500);
      expect((await http.get(`${sim.url}/payments-api/refunds`)).data).toEqual([]);

      sim.configure({ faults: { payments: { fail_next: 1, after_effect: true } } });
      expect((await http.put(`${sim.url}/payments-api/refunds`, refund)).status).toBe(500);
      expect((await http.get(`${sim.url}/payments-api/refunds`)).data).toHaveLength(1);
    });

    it('adds latency, and answers at once with faults off', async () => {
      const sim = track(await startSimulator());
      await http.post(`${sim.url}/_sim/config`, { faults: { spreadsheets: { latency_ms: 200 } } });
      const answered: string[] = [];
      const started = Date.now();
      const slow = http
        .get(`${sim.url}/spreadsheets-api/sheets/s/rows`)
        .then((r) => answered.push(`spreadsheets ${r.status}`));
      // Sent after the held call, answered before it: no latency without the setting.
      const refund = { payment_reference: 'p', reason: 'r' };
      const fast = http
        .put(`${sim.url}/payments-api/refunds`, refund)
        .then((r) => answered.push(`payments ${r.status}`));
      await Promise.all([slow, fast]);
      expect(answered).toEqual(['payments 200', 'spreadsheets 200']);
      // A lower bound from the setting: a loaded machine only makes the call slower.
      expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    });

    it('times a call out: holds it, then drops the connection without answering', async () => {
      const sim = track(
        await startSimulator({ timeout_hold_ms: 300, faults: { receipts: { timeout_rate: 1 } } }),
      );
      const started = Date.now();
      const failure = await http
        .put(`${sim.url}/receipts-api/receipts`, {
          ticket_id: randomUUID(),
          price: { money_amount: '1.00', money_currency: 'EUR' },
        })
        .catch((e) => e);

      expect(failure).toBeInstanceOf(Error);
      expect(failure.code).toBe('ECONNRESET');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect((await http.get(`${sim.url}/receipts-api/receipts`)).data).toEqual([]);
    });

    it('takes faults from the options and forgets them on /_sim/reset along with the state', async () => {
      const sim = track(await startSimulator({ faults: { files: { error_rate: 0.25 } } }));
      await http.post(`${sim.url}/_sim/config`, { faults: { files: { error_rate: 1 } } });
      await http.put(`${sim.url}/payments-api/refunds`, { payment_reference: 'p', reason: 'r' });

      const reset = await http.post(`${sim.url}/_sim/reset`);
      expect(reset.data.faults.files.error_rate).toBe(0.25);
      expect((await http.get(`${sim.url}/_sim/requests`)).data).toEqual([]);
      expect((await http.get(`${sim.url}/payments-api/refunds`)).data).toEqual([]);
    });
  });

  it('counts every raw call per endpoint and key, where the read-back shows one effect', async () => {
    const sim = track(await startSimulator({ faults: { receipts: { fail_next: 1 } } }));
    const ticket_id = randomUUID();
    const receipt = { ticket_id, price: { money_amount: '1.00', money_currency: 'EUR' } };
    const put = (key: string) =>
      http.put(`${sim.url}/receipts-api/receipts`, { ...receipt, idempotency_key: key });
    expect((await put('k1')).status).toBe(500); // faulty: counted, not answered
    expect((await put('k1')).status).toBe(201);
    expect((await put('k1')).status).toBe(200); // the first receipt again
    expect((await put('k2')).status).toBe(201);
    const file = (id: string) =>
      http.put(`${sim.url}/files-api/files/${id}/content`, 'x', {
        headers: { 'Content-Type': 'text/plain' },
      });
    expect((await file('f.html')).status).toBe(201);
    expect((await file('f.html')).status).toBe(409);
    await http.post(`${sim.url}/spreadsheets-api/sheets/s/rows`, { columns: [ticket_id, 'a'] });
    await http.put(`${sim.url}/receipts-api/receipts`, { ticket_id: 'no uuid' }); // invalid: not counted

    // One receipt per key and one file in the read-back...
    expect((await http.get(`${sim.url}/receipts-api/receipts`)).data).toHaveLength(2);
    expect((await http.get(`${sim.url}/files-api/files`)).data).toEqual({ files: ['f.html'] });
    // ...and every call in the raw counts.
    const { data } = await http.get(`${sim.url}/_sim/calls`);
    expect(data.total).toBe(7);
    expect(data.calls).toEqual(
      expect.arrayContaining([
        {
          service: 'receipts',
          endpoint: 'PUT /receipts-api/receipts',
          key: 'k1',
          calls: 3,
          answered: 2,
        },
        {
          service: 'receipts',
          endpoint: 'PUT /receipts-api/receipts',
          key: 'k2',
          calls: 1,
          answered: 1,
        },
        {
          service: 'files',
          endpoint: 'PUT /files-api/files/:fileId/content',
          key: 'f.html',
          calls: 2,
          answered: 2,
        },
        {
          service: 'spreadsheets',
          endpoint: 'POST /spreadsheets-api/sheets/:sheet/rows',
          key: `s/${ticket_id}`,
          calls: 1,
          answered: 1,
        },
      ]),
    );
    const filesOnly = (await http.get(`${sim.url}/_sim/calls`, { params: { service: 'files' } }))
      .data;
    expect(filesOnly.calls.map((c: { key: string }) => c.key)).toEqual(['f.html']);
    await http.post(`${sim.url}/_sim/reset`);
    expect((await http.get(`${sim.url}/_sim/calls`)).data).toEqual({ total: 0, calls: [] });
  });

  it('records the Correlation-ID and trace context of every call', async () => {
    const sim = track(await startSimulator());
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await http.put(
      `${sim.url}/payments-api/refunds`,
      { payment_reference: 'p', reason: 'r' },
      { headers: { 'Correlation-ID': 'corr-7', traceparent, tracestate: 'k=v' } },
    );
    const { data } = await http.get(`${sim.url}/_sim/requests`);
    expect(data).toEqual([
      expect.objectContaining({
        service: 'payments',
        method: 'PUT',
        path: '/payments-api/refunds',
        status: 200,
        correlation_id: 'corr-7',
        traceparent,
        tracestate: 'k=v',
      }),
    ]);
  });
});
