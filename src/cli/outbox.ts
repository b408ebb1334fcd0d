import 'reflect-metadata';
import { SingleBar } from 'cli-progress';
import { config as loadDotenv } from 'dotenv';
import { Client } from 'pg';
import { loadConfig } from '../platform/config/app.config';
import { parseDuration } from '../platform/config/duration';
import { messagingOptionsFrom } from '../app-messaging';
import { replayableSince, replayOutbox } from '../messaging';
import { connectWithSlot } from '../platform/database/connection-slots';

loadDotenv({ quiet: true });

const usage = `usage: npm run outbox -- replay --since <time>
       <time>: an RFC 3339 time (2026-12-01T10:00:00Z) or how long ago (45s, 30m, 12h, 7d)`;

/** A point in time written as a date or as a duration back from now. */
export function parseSince(text: string, now = Date.now()): Date | null {
  const ago = parseDuration(text);
  if (ago !== null) return new Date(now - ago);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * `npm run outbox -- replay --since <time>`: publishes again every message written to the outbox
 * since then and still kept (OUTBOX_RETENTION), e.g. after Redis lost data the automatic
 * recovery could not see (a failover to a replica that kept the groups). It marks the rows
 * unpublished, a batch at a time; the relay of a running app publishes them, and the handlers'
 * dedupe keeps each effect to one.
 */
async function main(args: string[]): Promise<number> {
  const [command, flag, value] = args;
  let since = flag === '--since' && value ? parseSince(value) : null;
  if (command !== 'replay' || !since) {
    console.error(usage);
    return 2;
  }
  const config = loadConfig();
  const oldest = replayableSince(messagingOptionsFrom(config));
  if (since < oldest) {
    // Older messages may have lost their dedupe records: publishing them again could act twice.
    console.error(
      `--since ${value} is older than DEDUPE_RETENTION allows; replaying from ${oldest.toISOString()}`,
    );
    since = oldest;
  }
  const db = await connectWithSlot(() => new Client({ connectionString: config.postgresUrl }));
  try {
    const query = (sql: string, params?: unknown[]) => db.query(sql, params).then((r) => r.rows);
    const [{ n }] = await query(
      `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL AND created_at >= $1`,
      [since],
    );
    const bar = new SingleBar({
      format: 'replay [{bar}] {value}/{total} rows',
      stream: process.stdout,
      noTTYOutput: true,
      notTTYSchedule: 1000,
    });
    bar.start(n, 0);
    const done = await replayOutbox(query, { since }, (d) => bar.update(Math.min(d, n)));
    bar.update(Math.min(done, n));
    bar.stop();
    console.log(
      `${done} message${done === 1 ? '' : 's'} since ${since.toISOString()} marked for publishing again; a running relay publishes them`,
    );
    return 0;
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
