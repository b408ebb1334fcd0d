import { ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { eventually, exited } from '../support/test-env';
import { CHILD_ENV, runId, tempDir } from '../support/test-run';

/** A Redis server owned by one test, on its own port, that we can stop and start empty. */
export class OwnRedis {
  // Below the ephemeral range (32768 up), so no outgoing connection can hold it while stopped.
  readonly port = 20_000 + Math.floor(Math.random() * 12_000);
  private proc?: ChildProcess;
  private readonly dir = tempDir('redis');

  private output = '';

  /** Starts it, and starts it again if it exits at once (e.g. the port not yet free). */
  async start(): Promise<void> {
    const launch = () => {
      const proc = spawn(
        'redis-server',
        [
          '--port',
          String(this.port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          this.dir,
        ],
        // Marked, so the global teardown kills it should the test die before stopping it.
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [CHILD_ENV]: runId() } },
      );
      proc.stdout.on('data', (d) => (this.output = (this.output + String(d)).slice(-2000)));
      proc.stderr.on('data', (d) => (this.output = (this.output + String(d)).slice(-2000)));
      return proc;
    };
    this.proc = launch();
    const up = eventually(
      async () => {
        if (this.proc!.exitCode !== null || this.proc!.signalCode) this.proc = launch();
        const probe = new Redis(this.port, '127.0.0.1', {
          lazyConnect: true,
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
        });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } finally {
          probe.disconnect();
        }
      },
      { what: `redis-server on port ${this.port}`, intervalMs: 100 },
    );
    await up.catch((e: Error) => {
      throw new Error(`${e.message}; redis-server said: ${this.output}`);
    });
  }

  async stop(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill('SIGKILL');
    await exited(this.proc);
    this.proc = undefined;
  }

  /** Its data directory (the global teardown removes it anyway, should this not run). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
