import { randomUUID } from 'node:crypto';
import { Page } from 'playwright-core';
import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { launchChromium } from '../support/browser';
import { startJourney } from '../support/journey';
import { TestEnv } from '../support/test-env';

/** What a page waits for at most: generous, since the machine is shared; never asserted on. */
const PAGE_WAIT_MS = 60_000;

/**
 * The staff web application (spec §11, issue 16) in a real headless Chromium against the real
 * app, PostgreSQL, Redis and the gateway simulator: every step is a click or a typed value,
 * every check waits for the page to show the state.
 */
describe('the web application in Chromium', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;
  let url: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    ({ sim, url } = await startJourney(env, { webhook: { delay_ms: 10 } }));
    sim.configure({ webhook: { app_url: url } });
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(PAGE_WAIT_MS);
  });
  afterAll(async () => {
    await browser?.dispose();
    await env.close();
    await sim.close();
  });

  const booking = () => page.locator('li.booking').first();
  const tickets = () => booking().locator('li.ticket');

  it('answers / with the page, and the landing page shows shows and live bookings with no click', async () => {
    const res = await request(url).get('/').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    await page.goto(url);
    await page.getByRole('heading', { name: 'Shows' }).waitFor();
    await page.getByRole('heading', { name: 'Bookings' }).waitFor();
    await page.locator('[data-stream-state="live"]').waitFor();
    await page.getByRole('heading', { name: 'Messaging' }).waitFor();
  });

  it('creates a show from the form and lists it with seats sold / capacity', async () => {
    const form = page.getByRole('form', { name: 'Create a show' });
    await form.getByLabel('Title').fill('Nick Cave');
    await form.getByLabel('Venue').fill('Royal Albert Hall');
    await form.getByLabel('Starts').fill('2031-05-01T20:00');
    await form.getByLabel('Seats').fill('10');
    await form.getByRole('button', { name: 'Create show' }).click();
    await page.getByText(/Show created/).waitFor();
    const row = page.getByRole('row', { name: /Nick Cave/ });
    await row.getByText('0 / 10').waitFor();
  });

  it('books from the form; the tickets appear live; a failing print dead-letters and shows in the messaging panel', async () => {
    // Files fails every call: print_ticket gives up after MAX_DELIVERIES and dead-letters.
    sim.configure({ faults: { files: { error_rate: 1 } } });
    const form = page.getByRole('form', { name: 'Book tickets' });
    const show = form.getByLabel('Show');
    const showId = await show.locator('option', { hasText: 'Nick Cave' }).getAttribute('value');
    await show.selectOption(showId);
    await form.getByLabel('Tickets').fill('2');
    await form.getByLabel('Customer e-mail').fill('fan@example.com');
    await form.getByRole('button', { name: 'Book tickets' }).click();
    await form.getByText(/Booked:/).waitFor();
    await page
      .getByRole('row', { name: /Nick Cave/ })
      .getByText('2 / 10')
      .waitFor();

    // No reload from here on: every change below reaches the page over the stream.
    await tickets().nth(1).waitFor();
    const letter = page.locator('li.dead-letter', { hasText: 'print_ticket' }).first();
    await letter.waitFor();
    expect(await letter.locator('.error-text').textContent()).toMatch(/\S/);
  });

  it('re-drives the dead letters from the page; the tickets then reach "printed" live', async () => {
    sim.configure({ faults: { files: { error_rate: 0 } } });
    await page.locator('[data-dead-letter-count="2"]').waitFor();
    await page.getByRole('button', { name: 'Re-drive all' }).click();
    await page.getByText(/Re-drove 2 dead letter/).waitFor();
    await page.locator('[data-dead-letter-count="0"]').waitFor();
    await booking().locator('li.ticket[data-status="printed"]').nth(1).waitFor();
  });

  it('refunds a ticket from the page and sees it reach "refunded"', async () => {
    const first = tickets().first();
    const id = await first.getAttribute('data-ticket-id');
    await first.getByRole('button', { name: `Refund ticket ${id}` }).click();
    await page.locator(`li.ticket[data-ticket-id="${id}"][data-status="refunded"]`).waitFor();
    expect(await tickets().nth(1).getAttribute('data-status')).toBe('printed');
  });

  it('filters bookings by receipt date', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const filter = page.getByLabel('Receipt issued on (UTC)');
    await filter.fill('2001-01-01');
    await page.getByText('No booking has a receipt issued on that day.').waitFor();
    await filter.fill(today);
    await booking().waitFor();
    await page.getByRole('button', { name: 'Show all' }).click();
    await booking().waitFor();
  });

  it('books a VIP bundle from the form and sees its steps live until it is finalized', async () => {
    const form = page.getByRole('form', { name: 'Book a VIP bundle' });
    const show = form.getByLabel('Show');
    const showId = await show.locator('option', { hasText: 'Nick Cave' }).getAttribute('value');
    await show.selectOption(showId);
    await form.getByLabel('Tickets').fill('2');
    await form.getByLabel('Customer e-mail').fill('ada@example.com');
    await form.getByLabel('Passengers, one a line').fill('Ada Lovelace\nCharles Babbage');
    await form.getByLabel('Inbound flight id').fill(randomUUID());
    await form.getByLabel('Return flight id').fill(randomUUID());
    await form.getByRole('button', { name: 'Book VIP bundle' }).click();
    await form.getByText(/VIP bundle booked:/).waitFor();

    const bundle = page.locator('.bundle');
    await bundle.locator('[data-bundle-state="finalized"]').waitFor();
    for (const step of ['tickets', 'inbound', 'return', 'taxi', 'finalized']) {
      expect(await bundle.locator(`[data-step="${step}"]`).getAttribute('data-state')).toBe('done');
    }
    await bundle.getByText('Tickets confirmed: 2 / 2').waitFor();
  });
});
