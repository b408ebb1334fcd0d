import { randomBytes } from 'node:crypto';
import { RUN_ENV } from './test-run';

/** Marks the run: workers and their children inherit the id through the environment. */
export default function globalSetup(): void {
  process.env[RUN_ENV] = randomBytes(4).toString('hex');
}
