import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { eventually, exited } from '../support/test-env';
import { CHILD_ENV, runId, tempDir } from '../support/test-run';

const run = promisify(execFile);

/**
 * A Redis Cluster of its own for one test file: three masters and three replicas on free ports,
 * made with `redis-cli --cluster create`, its files in a temp directory. `stop()` kills every
 * node and removes the files; the global teardown does both too should the test die first.
 */
export class LocalCluster {
  /** Six ports in a row; each node's cluster bus listens on its port + 10000. */
  readonly ports: number[];
  private readonly dir = tempDir('cluster');
  private readonly nodes = new Map<number, ChildProcess>();

  constructor() {
    this.ports = Array.from({ length: 6 }, () => randomPort());
  }

  get url(): string {
    return `redis-cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.ports.length; i++) {
      for (let attempt = 0; ; attempt++) {
        this.launch(this.ports[i]);
        try {
          await this.answering(this.ports[i]);
          break;
        } catch (e) {
          // Its port (or its bus port) was taken by another run meanwhile: another port.
          if (attempt >= 5) throw e;
          await this.kill(this.ports[i]).catch(() => undefined);
          this.ports[i] = randomPort();
        }
      }
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...this.ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await this.healthy();
  }

  private launch(port: number): void {
    const dir = join(this.dir, String(port));
    mkdirSync(dir, { recursive: true });
    const node = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        // A dead master is noticed within a second or two, and its replica takes over.
        ...['--cluster-node-timeout', '1000'],
        ...['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
      ],
      // Marked, so the global teardown kills it should the test die before stopping it.
      { stdio: 'ignore', env: { ...process.env, [CHILD_ENV]: runId() } },
    );
    this.nodes.set(port, node);
  }

  private async answering(port: number): Promise<void> {
    const node = this.nodes.get(port)!;
    await eventually(
      () => {
        if (node.exitCode !== null) throw new Error(`redis-server on port ${port} exited`);
        return this.ask(port, 'PING').then((r) => r === 'PONG');
      },
      { what: `redis-server on port ${port}`, intervalMs: 100, timeoutMs: 10_000 },
    );
  }

  /** One command to one node, on a connection of its own. */
  async ask(port: number, ...command: string[]): Promise<unknown> {
    const node = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    node.on('error', () => undefined);
    try {
      await node.connect();
      return await node.call(command[0], ...command.slice(1));
    } finally {
      node.disconnect();
    }
  }

  /** Every live node sees every slot served (after start, or after a failover). */
  async healthy(timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => {
        for (const port of this.live()) {
          const info = String(await this.ask(port, 'CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok')) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 200, what: 'the cluster serving every slot' },
    );
  }

  /** The live masters' ports (as the first live node sees them). */
  async masters(): Promise<number[]> {
    const nodes = String(await this.ask(this.live()[0], 'CLUSTER', 'NODES'));
    return nodes
      .split('\n')
      .filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l))
      .map((l) => Number(/:(\d+)@/.exec(l)![1]));
  }

  /** The port of the master serving `key`. */
  async masterOf(key: string): Promise<number> {
    const slot = Number(await this.ask(this.live()[0], 'CLUSTER', 'KEYSLOT', key));
    const shards = (await this.ask(this.live()[0], 'CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
    ][];
    const shard = shards.find(([from, to]) => slot >= from && slot <= to)!;
    return shard[2][1];
  }

  /** SIGKILLs one node: nothing it had not yet sent its replica survives. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.get(port)!;
    node.kill('SIGKILL');
    await exited(node);
    this.nodes.delete(port);
  }

  private live(): number[] {
    return [...this.nodes.keys()];
  }

  async stop(): Promise<void> {
    for (const node of this.nodes.values()) node.kill('SIGKILL');
    await Promise.all([...this.nodes.values()].map((n) => exited(n)));
    this.nodes.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port for a node whose cluster bus (port + 10000) also stays below 65536. */
function randomPort(): number {
  return 10_000 + Math.floor(Math.random() * 20_000);
}
