import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';
import chromiumFlags from '../../web/chromium-flags.json';

/**
 * Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it): CHROMIUM_PATH, else
 * the first of the usual names on the PATH. Playwright's own browser download cannot work here.
 */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`);
    return given;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not this one
    }
  }
  throw new Error('no Chromium found: apt-get install -y chromium, or set CHROMIUM_PATH');
}

/** Flags for a quiet, headless, throw-away browser: nothing fetched from the internet. */
const FLAGS: string[] = chromiumFlags;

/** A fresh headless Chromium with a profile of its own, removed on close. */
export async function launchChromium(
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext & { dispose(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'tickets-chromium-'));
  // Playwright passes the profile as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: FLAGS,
    viewport,
  });
  return Object.assign(context, {
    async dispose() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  });
}
