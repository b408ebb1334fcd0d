import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The id of this jest run, set by global-setup.ts and inherited by every worker and child
 * process: every database, Redis key, temp directory and child a run creates carries it, so
 * global-teardown.ts removes exactly what this run left and never another run's (two runs may
 * share the machine). Outside a run (a script importing TestEnv) it is 'local'.
 */
export const RUN_ENV = 'TICKETS_TEST_RUN';
/** Set on the child processes only (not on jest's workers), to find them after a crash. */
export const CHILD_ENV = 'TICKETS_TEST_CHILD';

export function runId(): string {
  return process.env[RUN_ENV] ?? 'local';
}

/**
 * How long the harness's own connections wait for a slot when PostgreSQL is full: the suite's
 * two workers, a bench and other runs share its 100 connections (a deadline, not a speed claim).
 */
export const PG_SLOT_WAIT_MS = 60_000;

export const dbPrefix = (run = runId()) => `tickets_test_${run}_`;
export const redisPrefix = (run = runId()) => `test:${run}:`;
export const tempPrefix = (run = runId()) => `tickets-test-${run}-`;

/** A fresh temp directory marked with the run, removed by the teardown whatever happens. */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `${tempPrefix()}${name}-`));
}
