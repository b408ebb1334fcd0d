import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ChildProcess } from 'node:child_process';
import { APP_NODE_FLAGS } from '../../src/node-flags';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { printed, TestEnv } from '../support/test-env';
import { createBooking, footprint, quietFootprint, webhookTicket } from './support';

/** Peak and current resident set of a process, in MB, as the kernel counts them. */
function memoryOf(child: ChildProcess): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

const emptyTickets = (n: number) => `{"tickets":[${new Array(n).fill('{}').join(',')}]}`;

/**
 * Spec §9: no single request can exhaust the process. The app runs as in production, a child
 * process with the production heap limit, so running out of memory would kill it (an in-process
 * app would take the test runner down instead, or hide the cost in the runner's heap).
 */
describe('one webhook request cannot exhaust the app', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let app: ChildProcess & { output: string[] };
  let url: string;

  const post = (body: string) =>
    fetch(`${url}/api/tickets-status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body,
    });

  async function expectAlive(): Promise<void> {
    expect(app.exitCode).toBeNull();
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false } });
    app = env.spawn('src/main.js', {
      GATEWAY_URL: sim.url,
      NODE_OPTIONS: APP_NODE_FLAGS.join(' '),
    });
    await printed(app, /listening on http/);
    const port = /listening on http:\/\/\S+:(\d+)/.exec(app.output.join(''))![1];
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('340,000 empty tickets (1 MB) and 50,000 (150 kB): a 4xx each, the app alive, its memory bounded', async () => {
    const huge = emptyTickets(340_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    const first = await post(huge);
    expect(first.status).toBe(413);
    expect((await first.json()).message).toBe('the body is larger than 512 KiB');
    await expectAlive();

    const large = await post(emptyTickets(50_000));
    expect(large.status).toBe(400);
    expect((await large.json()).message).toEqual(['tickets must contain at most 500 tickets']);
    await expectAlive();

    // The peak since start-up: the production heap limit alone would let it reach ~265 MB.
    const { peakMb } = memoryOf(app);
    expect(peakMb).toBeLessThan(250);
  });

  it('a list of invalid tickets answers a bounded list of messages', async () => {
    const res = await post(emptyTickets(500));
    expect(res.status).toBe(400);
    const { message } = await res.json();
    expect(JSON.stringify(message).length).toBeLessThan(2_500);
    expect(message[0]).toBe('tickets.0.ticket_id must be a UUID');
    expect(message.at(-1)).toBe('Further validation errors were omitted');
    await expectAlive();
  });

  it('501 valid tickets: 400 naming tickets, nothing written; 500: 200', async () => {
    const booking_id = await createBooking(url);
    const tickets = Array.from({ length: 501 }, () => webhookTicket({ booking_id }));
    const before = await quietFootprint(env);
    const over = await post(JSON.stringify({ tickets }));
    expect(over.status).toBe(400);
    expect((await over.json()).message).toEqual(['tickets must contain at most 500 tickets']);
    expect(await footprint(env)).toEqual(before);

    const res = await post(JSON.stringify({ tickets: tickets.slice(0, 500) }));
    expect(res.status).toBe(200);
    const [{ n }] = await env.query(
      `SELECT count(*)::int AS n FROM outbox WHERE name = 'TicketBookingConfirmed_v1'`,
    );
    expect(n).toBe(500);
  });
});
