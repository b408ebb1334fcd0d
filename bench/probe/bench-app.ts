// As in src/main.ts, tracing patches modules before they load; BENCH_OTEL=0 measures without it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (process.env.BENCH_OTEL !== '0') require('../../src/platform/observability/instrumentation');
import 'reflect-metadata';
import { createApp, exitOnSignals } from '../../src/bootstrap';
import { loadConfig } from '../../src/platform/config/app.config';
import { featureModules } from '../../src/features';
import { BenchProbeModule } from './bench-probe.module';

/**
 * The app as `main.ts` builds it, plus the bench probes. BENCH_FEATURES=probe leaves the
 * business modules out (relay and consumer runs need only the plumbing and the probes);
 * BENCH_NOOP=batch|single adds a no-op consumer of BenchNoop_v1.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const business = process.env.BENCH_FEATURES === 'probe' ? [] : featureModules;
  const app = await createApp(config, [...business, BenchProbeModule.register()], {
    logger: ['error', 'warn'],
  });
  await app.listen(config.port, '127.0.0.1');
  exitOnSignals(app, config);
  process.stdout.write(`listening on ${await app.getUrl()}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench app failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
