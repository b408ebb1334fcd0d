import { randomUUID } from 'node:crypto';
import axios, { AxiosInstance } from 'axios';
import { config as loadDotenv } from 'dotenv';
import { vipDemo } from './demo-vip';

/**
 * `npm run demo`: one customer's journey through a running system (`npm start`), told as it
 * happens: a show, a booking, Dead Nation's confirmation, receipts, printed tickets, a refund.
 * `npm run demo -- vip`: two VIP bundles instead, one succeeding, one compensated (demo-vip.ts).
 */
loadDotenv({ quiet: true });

const appUrl = (process.env.APP_URL || `http://127.0.0.1:${process.env.PORT || 8080}`).replace(
  /\/$/,
  '',
);
const gatewayUrl = (
  process.env.GATEWAY_URL || `http://127.0.0.1:${process.env.GATEWAY_PORT || 8888}`
).replace(/\/$/, '');
const SEATS = 3;
const TIMEOUT_MS = 30_000;

// Staff endpoints need a token when ADMIN_TOKENS is set (spec §9): the demo is staff, with the first.
const staffToken = (process.env.ADMIN_TOKENS ?? '').split(',')[0]?.trim();
const app = axios.create({
  baseURL: appUrl,
  timeout: 5000,
  headers: {
    'Correlation-ID': `demo-${randomUUID()}`,
    ...(staffToken ? { Authorization: `Bearer ${staffToken}` } : {}),
  },
});
const gateway = axios.create({ baseURL: gatewayUrl, timeout: 5000 });

const started = Date.now();
const since = (t: number) => {
  const ms = Date.now() - t;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
};
const say = (line: string) => process.stdout.write(`[${since(started).padStart(7)}] ${line}\n`);

class DemoError extends Error {}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new DemoError(`gave up waiting for ${what} after ${TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function reachable(http: AxiosInstance, path: string, name: string, url: string) {
  try {
    await http.get(path);
  } catch (e) {
    if (e.response) return; // it answers, even if not 200
    throw new DemoError(
      `${name} does not answer at ${url} (${e.code ?? e.message}); start the system with "npm start"`,
    );
  }
}

async function createShow(seats: number): Promise<string> {
  const startTime = new Date(Date.now() + 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const { data: show } = await app.post('/api/shows', {
    dead_nation_id: randomUUID(),
    number_of_tickets: seats,
    start_time: startTime,
    title: 'Demo Night',
    venue: 'The Demo Hall',
  });
  return show.show_id;
}

async function main(): Promise<void> {
  await reachable(app, '/health', 'the app', appUrl);
  await reachable(gateway, '/_sim/health', 'the gateway simulator', gatewayUrl);
  say(`The app is at ${appUrl}, the gateway simulator at ${gatewayUrl}.`);
  if (process.argv[2] === 'vip') {
    await vipDemo({ app, gateway, say, waitFor, createShow });
    say(`Done: both bundles took ${since(started)}.`);
    return;
  }

  const show = { show_id: await createShow(10) };
  say(`Created the show "Demo Night" with 10 seats: ${show.show_id}.`);

  const email = `demo-${Date.now()}@example.com`;
  const bookedAt = Date.now();
  const { data: booking } = await app.post('/api/book-tickets', {
    show_id: show.show_id,
    number_of_tickets: SEATS,
    customer_email: email,
  });
  say(
    `${email} booked ${SEATS} seats: booking ${booking.booking_id} (answered in ${since(bookedAt)}).`,
  );

  const atDeadNation = await waitFor('Dead Nation to get the booking', async () => {
    const { data } = await gateway.get('/dead-nation-api/bookings');
    return (data as { booking_id: string; ticket_ids: string[] }[]).find(
      (b) => b.booking_id === booking.booking_id,
    );
  });
  say(`Dead Nation took the booking ${since(bookedAt)} after it was made.`);
  const ticketIds = await waitFor('Dead Nation to confirm the tickets', async () =>
    atDeadNation.ticket_ids?.length === SEATS ? atDeadNation.ticket_ids : undefined,
  );

  await waitFor('the tickets to be confirmed', async () => {
    const { data } = await app.get('/api/tickets');
    const mine = (data as { ticket_id: string }[]).filter((t) => ticketIds.includes(t.ticket_id));
    return mine.length === SEATS;
  });
  say(
    `All ${SEATS} tickets are confirmed and listed by GET /api/tickets, ${since(bookedAt)} after booking.`,
  );

  const receipts = await waitFor('the receipts', async () => {
    const { data } = await gateway.get('/receipts-api/receipts');
    const mine = (data as { ticket_id: string; number: string }[]).filter((r) =>
      ticketIds.includes(r.ticket_id),
    );
    return mine.length === SEATS && mine;
  });
  say(
    `Receipts issued (${receipts.map((r) => r.number).join(', ')}), ${since(bookedAt)} after booking.`,
  );

  await waitFor('the printed tickets', async () => {
    const { data } = await gateway.get('/files-api/files');
    return ticketIds.every((id) => (data.files as string[]).includes(`${id}-ticket.html`));
  });
  const { data: html } = await gateway.get(`/files-api/files/${ticketIds[0]}-ticket.html/content`);
  say(`Tickets printed as files, ${since(bookedAt)} after booking. The first one reads:`);
  const body = /<body>([\s\S]*)<\/body>/.exec(String(html))?.[1] ?? String(html);
  for (const line of body.replace(/<[^>]+>/g, '').split('\n')) {
    if (line.trim()) process.stdout.write(`            ${line.trim()}\n`);
  }

  await waitFor('the print list', async () => {
    const { data } = await gateway.get('/spreadsheets-api/sheets/tickets-to-print/rows');
    return ticketIds.every((id) => (data.rows as string[][]).some((r) => r[0] === id));
  });
  say(`Each ticket has its row on the "tickets-to-print" sheet.`);

  const refunded = ticketIds[0];
  const refundAt = Date.now();
  await app.put(`/api/ticket-refund/${refunded}`);
  say(`Asked to refund ticket ${refunded} (accepted at once, 202).`);
  await waitFor('the refund', async () => {
    const { data } = await gateway.get('/payments-api/refunds');
    return (data as { payment_reference: string }[]).some((r) => r.payment_reference === refunded);
  });
  say(`The receipt was voided and the money refunded ${since(refundAt)} after asking.`);
  say(`Done: the whole journey took ${since(started)}.`);
}

main().catch((e) => {
  const detail = e.response ? `${e.response.status} ${JSON.stringify(e.response.data)}` : e.message;
  process.stderr.write(`demo failed: ${e instanceof DemoError ? e.message : detail}\n`);
  process.exit(1);
});
