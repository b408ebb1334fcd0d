import { ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { ProbeModule } from '../fixtures/probe.module';
import { eventually, exited, TestEnv } from '../support/test-env';
import { CHILD_ENV, runId, tempDir } from '../support/test-run';
import { expectExactlyOnce, publishProbes, seqs } from './support';

/** A Redis server owned by this test, on its own port, that we can stop and start empty. */
class OwnRedis {
  readonly port = 20_000 + Math.floor(Math.random() * 20_000);
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
        // Marked, so the global teardown kills it should this test die before stopping it.
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

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('Redis restarted (and empty) under a running app', () => {
  const redis = new OwnRedis();
  const env = new TestEnv({ REDIS_URL: `127.0.0.1:${redis.port}` });
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    await redis.start();
    ({ app, url } = await env.start([ProbeModule]));
  });
  afterAll(async () => {
    await env.close().catch(() => undefined);
    await redis.stop();
    redis.remove();
  });

  it('reports Redis down on /health, and relay and consumers recover by themselves', async () => {
    await publishProbes(
      app,
      seqs(50).map((seq) => ({ seq })),
    );
    await expectExactlyOnce(env, 'probe_effect', seqs(50));

    await redis.stop();
    const down = await eventually(async () => {
      const res = await request(url).get('/health');
      return res.status === 503 ? res : null;
    });
    expect(down.body.error.redis).toMatchObject({ status: 'down' });

    // Written while Redis is away: they wait in the outbox.
    await publishProbes(
      app,
      seqs(50, 100).map((seq) => ({ seq })),
    );
    await new Promise((r) => setTimeout(r, 500));
    const [{ n }] = await env.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
    );
    expect(n).toBe(50);

    await redis.start(); // comes back empty: no streams, no groups
    await expectExactlyOnce(env, 'probe_effect', seqs(50, 100), 30_000);
    await expectExactlyOnce(env, 'probe_mirror', seqs(50, 100), 30_000);
    await expectExactlyOnce(env, 'probe_effect', seqs(50)); // nothing handled twice
    await eventually(async () => (await request(url).get('/health')).status === 200, {
      what: 'healthy again',
    });
  });
});
