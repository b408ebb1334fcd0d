import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../platform/config/app.config';
import { runMigrations } from '../platform/database/prepare-infrastructure';
import { rebuildOpsReadModel } from '../ops/rebuild/ops-read-model.rebuild';

loadDotenv({ quiet: true });

/**
 * `npm run read-model:rebuild`: projects the whole events store into fresh ops read-model tables
 * and swaps them in, while the app keeps running.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  await runMigrations(config.postgresUrl);
  const bar = new SingleBar(
    { format: 'rebuild [{bar}] {percentage}% | {value}/{total} events | {eta}s left' },
    Presets.shades_classic,
  );
  const report = await rebuildOpsReadModel({
    postgresUrl: config.postgresUrl,
    onStart: (total) => bar.start(total, 0),
    onProgress: (read) => {
      if (read > bar.getTotal()) bar.setTotal(read); // events published meanwhile
      bar.update(read);
    },
  });
  bar.stop();
  const seconds = report.durationMs / 1000;
  console.log(`events read:          ${report.eventsRead}`);
  console.log(`live updates replayed: ${report.liveUpdatesReplayed}`);
  console.log(`documents written:    ${report.documents} (${report.documentWrites} writes)`);
  const skipped = Object.entries(report.skipped).map(([name, n]) => `${name} ${n}`);
  console.log(`skipped (not followed): ${skipped.length ? skipped.join(', ') : 0}`);
  if (report.malformed) console.log(`malformed events:     ${report.malformed}`);
  if (report.unresolved)
    console.log(`events without their booking or ticket: ${report.unresolved}`);
  console.log(
    `duration:             ${seconds.toFixed(1)} s (${Math.round(report.eventsRead / Math.max(seconds, 0.001))} events/s)`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(
      `${e instanceof ConfigError ? e.message : `rebuild failed: ${e?.stack ?? e}`}\n`,
    );
    process.exit(1);
  },
);
