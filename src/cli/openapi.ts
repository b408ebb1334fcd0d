import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { createApp } from '../bootstrap';
import { redactUrls } from '../platform/common/redact';
import { loadConfig } from '../platform/config/app.config';
import { openApiText } from '../platform/http/openapi-file';
import { featureModules } from '../features';

loadDotenv({ quiet: true });

// npm runs scripts from the package's root
const OPENAPI_FILE = join(process.cwd(), 'openapi.json');

/**
 * `npm run openapi`: starts the app (api role only, on a free loopback port, against the
 * configured PostgreSQL and Redis, like `npm start`), takes the document it serves at
 * /api/docs-json and writes it to openapi.json, for clients generated without a running app.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, ROLES: 'api', PORT: '0' });
  const app = await createApp(config, featureModules, { logger: ['error'] });
  try {
    await app.listen(0, '127.0.0.1');
    const token = config.security.adminTokens[0];
    const res = await fetch(`${await app.getUrl()}/api/docs-json`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (!res.ok) throw new Error(`GET /api/docs-json answered ${res.status}`);
    writeFileSync(OPENAPI_FILE, openApiText(await res.json()));
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`openapi failed: ${redactUrls(String(e?.stack ?? e))}\n`);
    process.exit(1);
  },
);
