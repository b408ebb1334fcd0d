import { randomUUID } from 'node:crypto';
import { launchChromium } from '../test/support/browser';
import { startJourney } from '../test/support/journey';
import { TestEnv } from '../test/support/test-env';

/**
 * Dead Nation's webhook → the staff page showing the confirmed ticket (issue 16): the whole app,
 * the gateway simulator and the page in Debian's Chromium, on their own database and key prefix.
 * `n` bookings of one ticket (default 20), one after the other; for each, the simulator's first
 * POST of the webhook (its `sent_at`) against when the page first showed the ticket (a
 * MutationObserver in the page notes it). Same machine, same clock.
 * `npm run bench:web [n]`
 */
async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const env = new TestEnv();
  const { sim, url } = await startJourney(env, { webhook: { delay_ms: 10 } });
  sim.configure({ webhook: { app_url: url } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator('[data-stream-state="live"]').waitFor({ timeout: 60_000 });
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        for (const li of document.querySelectorAll('li.booking')) {
          const id = li.getAttribute('data-booking-id');
          if (id && !seen[id] && li.querySelector('li.ticket')) seen[id] = Date.now();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const show = await api('/api/shows', {
      dead_nation_id: randomUUID(),
      number_of_tickets: n,
      start_time: '2031-05-01T20:00:00Z',
      title: 'Web latency',
      venue: 'Bench Hall',
    });
    const took: number[] = [];
    for (let i = 0; i < n; i++) {
      const { booking_id } = await api('/api/book-tickets', {
        show_id: show.show_id,
        number_of_tickets: 1,
        customer_email: 'bench@example.com',
      });
      const ticket = page.locator(`li.booking[data-booking-id="${booking_id}"] li.ticket`);
      await ticket.first().waitFor({ timeout: 60_000 });
      const shownAt = await page.evaluate(
        (id) => (window as unknown as { seen: Record<string, number> }).seen[id],
        booking_id,
      );
      const hook = sim.state.webhooks.find(
        (w) => w.booking_id === booking_id && w.kind === 'confirmed',
      );
      if (!hook?.sent_at || !shownAt)
        throw new Error(`booking ${booking_id}: no webhook or page time`);
      took.push(shownAt - Date.parse(hook.sent_at));
    }
    took.sort((a, b) => a - b);
    const at = (q: number) => took[Math.min(took.length - 1, Math.ceil(q * took.length) - 1)];
    process.stdout.write(
      `${n} bookings: webhook sent → page shows the confirmed ticket p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${took[took.length - 1]} ms\n`,
    );
  } finally {
    await browser.dispose();
    await env.close();
    await sim.close();
  }
}

main().catch((e) => {
  process.stderr.write(`web-latency failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
