import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { messagingOptionsFrom } from '../src/app-messaging';
import { loadConfig } from '../src/platform/config/app.config';
import { Pruner } from '../src/messaging';
import { withBenchDatabase } from './support/bench-database';

/**
 * How fast the relay prunes: fills a throw-away database with ROWS (default 100,000) expired rows
 * in each pruned table (outbox, processed_messages, webhook_requests) plus as many young ones,
 * times one pruning pass, drops the database.
 *
 *   npx nest build && node dist/bench/prune-rate.js
 *
 * PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server.
 */
async function main(): Promise<void> {
  const rows = Number(process.env.ROWS ?? 100_000);
  await withBenchDatabase(async (url) => {
    const db = new DataSource({ type: 'postgres', url });
    try {
      await db.initialize();
      const old = `now() - interval '31 days'`;
      for (const age of [old, 'now()']) {
        await db.query(`
          INSERT INTO outbox (message_id, destination, name, payload, created_at, published_at)
          SELECT gen_random_uuid(), 'events.X_v1', 'X_v1', repeat('x', 400), ${age}, ${age}
            FROM generate_series(1, ${rows});
          INSERT INTO processed_messages (handler, message_id, processed_at)
          SELECT 'h', gen_random_uuid(), ${age} FROM generate_series(1, ${rows});
          INSERT INTO webhook_requests (idempotency_key, received_at, request_hash)
          SELECT gen_random_uuid()::text, ${age}, md5(i::text) FROM generate_series(1, ${rows}) i;`);
      }
      await db.query('VACUUM ANALYZE');
      const pruner = new Pruner(messagingOptionsFrom(loadConfig({ POSTGRES_URL: url })), db);
      const started = performance.now();
      const deleted = await pruner.pruneAll();
      const seconds = (performance.now() - started) / 1000;
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      console.log(
        `${total} rows pruned (${JSON.stringify(deleted)}) in ${seconds.toFixed(2)} s: ` +
          `${Math.round(total / seconds)} rows/s, ${rows * 3} young rows kept`,
      );
    } finally {
      if (db.isInitialized) await db.destroy();
    }
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
