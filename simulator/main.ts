import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import pino from 'pino';
import { ConfigError, loadConfig } from '../src/platform/config/app.config';
import { startSimulator } from './gateway-simulator';
import { patchFromEnv } from './simulator-settings';

loadDotenv({ quiet: true }); // .env fills gaps; the environment wins

/** `npm run start:gateway`: the gateway simulator alone, on GATEWAY_PORT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const patch = patchFromEnv({ APP_URL: config.appUrl, ...process.env });
  const logger = pino({ name: 'gateway-simulator', level: config.logLevel });
  const sim = await startSimulator({
    ...patch,
    port: config.gatewayPort,
    // Loopback unless told: the simulator holds customers' data and takes orders from anyone.
    host: process.env.SIM_HOST || '127.0.0.1',
    logger,
    webhookSecret: config.security.webhookSecret,
    allowRemoteAppUrl: process.env.SIM_ALLOW_REMOTE_APP_URL === 'true',
    controlToken: process.env.SIM_CONTROL_TOKEN || undefined,
  });
  logger.info(
    {
      url: sim.url,
      host: process.env.SIM_HOST || '127.0.0.1',
      webhook_url: `${sim.settings.webhook.app_url}/api/tickets-status`,
    },
    `gateway simulator listening on ${sim.url}`,
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void sim.close().then(() => process.exit(0));
      setTimeout(() => process.exit(0), 3000).unref();
    });
  }
}

main().catch((e) => {
  if (e?.code === 'EADDRINUSE') {
    process.stderr.write(
      `gateway simulator: port ${e.port} is in use; set GATEWAY_PORT to a free port\n`,
    );
    process.exit(1);
  }
  const known = e instanceof ConfigError || /^Invalid configuration/.test(e?.message ?? '');
  process.stderr.write(known ? `${e.message}\n` : `gateway simulator failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
