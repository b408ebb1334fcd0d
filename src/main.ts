import './platform/observability/instrumentation'; // first: OpenTelemetry patches modules as they load
import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { createApp, exitOnSignals, logStartup } from './bootstrap';
import { redactUrls } from './platform/common/redact';
import { ConfigError, loadConfig } from './platform/config/app.config';
import { InfrastructureError } from './platform/database/prepare-infrastructure';
import { featureModules } from './features';

loadDotenv({ quiet: true }); // .env fills gaps; the environment wins

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config, featureModules);
  await app.listen(config.port, '0.0.0.0');
  exitOnSignals(app, config);
  logStartup(config, await app.getUrl());
}

main().catch((e) => {
  // A connection URL in an error keeps its password out of the output (spec §9).
  if (e instanceof ConfigError || e instanceof InfrastructureError) {
    process.stderr.write(`${redactUrls(e.message)}\n`);
  } else {
    process.stderr.write(`start-up failed: ${redactUrls(String(e?.stack ?? e))}\n`);
  }
  process.exit(1);
});
