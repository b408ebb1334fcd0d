import { execFile } from 'node:child_process';
import { chownSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHILD_ENV, runId, tempDir } from '../support/test-run';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A throw-away PostgreSQL cluster owned by one test, on its own port, that it may stop for as
 * long as it likes (never the shared one). initdb refuses root: run as postgres then.
 */
export class OwnPostgres {
  // Below the ephemeral range, so no outgoing connection can hold it while the server is down.
  readonly port = 10_000 + Math.floor(Math.random() * 10_000);
  /** Marked with the run, so the global teardown removes it should the test not. */
  private readonly dir = tempDir('pg');
  private readonly data = join(this.dir, 'data');

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/tickets_outage`;
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const asRoot = process.getuid?.() === 0;
    const [cmd, all] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]]
      : [join(BIN, tool), args];
    // The server inherits the marker: the global teardown kills it should the test die first.
    await run(cmd, all, { timeout: 60_000, env: { ...process.env, [CHILD_ENV]: runId() } });
  }

  async init(): Promise<void> {
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await this.pg('initdb', ['-D', this.data, '-A', 'trust', '-U', 'postgres']);
  }

  /** Starts it; tries again a few times if the port is not free yet. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (e) {
        if (attempt >= 5) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async startOnce(): Promise<void> {
    await this.pg('pg_ctl', [
      '-D',
      this.data,
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      'start',
    ]);
  }

  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(
      () => undefined,
    );
  }

  /** Its data directory and log (stop it first); in a test run the teardown removes it too. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
