import { randomUUID } from 'node:crypto';
import axios from 'axios';

/**
 * POST /api/book-vip-bundle → the bundle seen finalized (GET /api/vip-bundles/:id, polled every
 * 10 ms), at light load: `n` bundles (default 100), two in flight at a time, against a running
 * system (`npm start`; APP_URL, default http://127.0.0.1:8080). Prints p50, p99 and the maximum.
 * `npm run build && node dist/bench/vip-latency.js [n]`
 */
async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100);
  const app = axios.create({ baseURL: process.env.APP_URL ?? 'http://127.0.0.1:8080' });
  const { data: show } = await app.post('/api/shows', {
    dead_nation_id: randomUUID(),
    number_of_tickets: n * 2,
    start_time: '2030-05-01T20:00:00Z',
    title: 'VIP latency',
    venue: 'Bench Hall',
  });
  const took: number[] = [];
  const one = async () => {
    const t0 = performance.now();
    const { data } = await app.post('/api/book-vip-bundle', {
      customer_email: 'bench@example.com',
      show_id: show.show_id,
      number_of_tickets: 2,
      passengers: ['Ada', 'Charles'],
      inbound_flight_id: randomUUID(),
      return_flight_id: randomUUID(),
    });
    for (;;) {
      const { data: b } = await app.get(`/api/vip-bundles/${data.vip_bundle_id}`);
      if (b.finalized_at) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    took.push(performance.now() - t0);
  };
  let next = 0;
  const worker = async () => {
    while (next++ < n) await one();
  };
  await Promise.all([worker(), worker()]);
  took.sort((a, b) => a - b);
  const at = (q: number) => took[Math.min(took.length - 1, Math.ceil(q * took.length) - 1)];
  const ms = (v: number) => `${Math.round(v)} ms`;
  process.stdout.write(
    `${n} bundles, 2 in flight: POST → finalized p50 ${ms(at(0.5))}, p99 ${ms(at(0.99))}, max ${ms(took[took.length - 1])}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`vip-latency failed: ${e.message}\n`);
  process.exit(1);
});
