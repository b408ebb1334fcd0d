// `npm run screenshot`: pictures of the running web application for the README, at desktop and
// phone widths, taken by Debian's Chromium (CHROMIUM_PATH, else /usr/bin/chromium) from the
// app at APP_URL (default http://127.0.0.1:8080). Start the app first (`npm start`) and make a
// booking or two, so there is something to see.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import flags from './chromium-flags.json' with { type: 'json' };

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'docs', 'img');
const url = process.env.APP_URL ?? 'http://127.0.0.1:8080';
const shots = [
  { file: 'app.png', viewport: { width: 1366, height: 1000 } },
  { file: 'app-phone.png', viewport: { width: 390, height: 844 } },
];

await mkdir(out, { recursive: true });
for (const { file, viewport } of shots) {
  const profile = await mkdtemp(join(tmpdir(), 'tickets-screenshot-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    viewport,
    args: flags,
  });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('[data-stream-state="live"]').waitFor();
    await page.locator('[data-outbox-backlog]').waitFor();
    await page.screenshot({
      path: join(out, file),
      fullPage: file === 'app-phone.png' ? false : true,
    });
    console.log(`wrote docs/img/${file}`);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
