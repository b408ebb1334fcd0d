import { ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist');
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** A child process of the bench: an app, a relay, a consumer or the gateway simulator. */
export class Child {
  readonly output: string[] = [];
  url = '';

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output.push(String(d));
      if (this.output.length > 400) this.output.splice(0, 200); // a chatty child stays bounded
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Waits until the process answers HTTP on `url` (any status: /health may say 503 early). */
  async ready(url: string, timeoutMs = 60_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) break;
      try {
        await fetch(`${url}/health`);
        this.url = url;
        return this;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`${this.name} did not start: ${this.output.join('').slice(-3000)}`);
  }

  /** Resident set size: current and the high-water mark since the process started (kB). */
  memory(): { rssKb: number; hwmKb: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  }

  /** CPU seconds (user + system) used so far. */
  cpuSeconds(): number {
    return processCpuSeconds(this.pid);
  }

  /** Asks the bench probe module for its measurements (IPC). */
  probeStats(reset = false): Promise<ProbeStats> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no probe answer`)), 10_000);
      const onMessage = (m: ProbeStats & { bench?: string }) => {
        if (m?.bench !== 'stats') return;
        clearTimeout(timer);
        this.proc.off('message', onMessage);
        resolve(m);
      };
      this.proc.on('message', onMessage);
      this.proc.send({ bench: reset ? 'reset' : 'stats' });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface ProbeStats {
  bookings: [bookingId: string, handlerStart: number, publishedAt: number][];
  noop: { count: number; first: number; last: number };
}

/** Starts a compiled entry point under dist/ with the given environment (plus an IPC channel). */
export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Child {
  const proc = spawn(process.execPath, [...nodeArgs, join(DIST, script)], {
    env: { ...process.env, ...env },
    // stdout (a JSON line per request at LOG_LEVEL=info) is written, and thrown away by the OS.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  return new Child(name, proc);
}

export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

/** Machine-wide CPU counters, to report how busy both cores were during a run. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = n[3] + n[4];
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout + stderr);
      },
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
