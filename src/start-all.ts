import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { APP_NODE_FLAGS } from './node-flags';

/**
 * `npm start`: the gateway simulator and the app (every role) side by side, as two processes.
 * A signal to this process is passed on once to both; if either dies, the other is stopped and
 * this process exits non-zero, so a supervisor sees the failure.
 */
loadDotenv({ quiet: true }); // .env fills gaps; the environment wins

const env = { ...process.env };
// Point the two at each other when the ports are changed but the URLs are not.
env.APP_URL ||= `http://127.0.0.1:${env.PORT || 8080}`;
env.GATEWAY_URL ||= `http://127.0.0.1:${env.GATEWAY_PORT || 8888}`;
const shutdownBoundMs =
  Number(env.SHUTDOWN_TIMEOUT_MS) > 0 ? Number(env.SHUTDOWN_TIMEOUT_MS) : 10_000;

const children = new Map<string, ChildProcess>();
let stopping = false;
let exitCode = 0;

function start(name: string, script: string, flags: string[] = []): void {
  // Own process group: a Ctrl-C reaches the children once, through stop(), not twice.
  const child = spawn(process.execPath, [...flags, join(__dirname, script)], {
    env,
    stdio: 'inherit',
    detached: true,
  });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`${name} exited (${code ?? signal}); stopping the rest\n`);
      stop(code || 1);
    } else if (code) {
      exitCode ||= code;
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, shutdownBoundMs + 5000).unref();
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(0));

// The simulator is its own program beside src/ (dist/simulator, next to dist/src).
start('gateway simulator', '../simulator/main.js');
start('app', 'main.js', APP_NODE_FLAGS);
