import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { Client } from 'pg';
import Redis from 'ioredis';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/platform/config/app.config';
import { HandlerName, IntegrationEvent, Message, OutboxWriter } from '../src/messaging';

/**
 * Commit → handler start through the messaging backbone alone, at light load: one process with
 * every role, 100 events/s, each committed on its own, one handler that notes when it starts.
 * `node dist/bench/commit-latency.js [events]` (default 2,000). Own database and key prefix.
 */
@IntegrationEvent('LatencyProbe_v1', { stored: false })
class LatencyProbe_v1 extends Message {
  seq: number;
}

const committedAt = new Map<number, number>();
const startedAt = new Map<number, number>();

@EventsHandler(LatencyProbe_v1)
@HandlerName('latency_probe')
class LatencyProbeHandler implements IEventHandler<LatencyProbe_v1> {
  async handle(e: LatencyProbe_v1): Promise<void> {
    if (!startedAt.has(e.seq)) startedAt.set(e.seq, performance.now());
  }
}

@Module({ providers: [LatencyProbeHandler] })
class LatencyModule {}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const db = `tickets_latency_${process.pid}`;
  const prefix = `latency:${process.pid}:`;
  const config = loadConfig({
    ...process.env,
    POSTGRES_URL: `postgres://postgres@127.0.0.1:5432/${db}`,
    STREAM_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  });
  const app = await createApp(config, [LatencyModule], { logger: ['error'] });
  await app.init();
  const writer = app.get(OutboxWriter);
  for (let seq = 0; seq < n; seq++) {
    await writer.append([new LatencyProbe_v1({ seq })]); // its own transaction
    committedAt.set(seq, performance.now());
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 30_000;
  while (startedAt.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const ms = [...committedAt]
    .map(([seq, t]) => (startedAt.get(seq) ?? NaN) - t)
    .sort((a, b) => a - b);
  const p = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(2);
  console.log(
    `${startedAt.size} of ${n} handled; commit → handler start p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, p99 ${p(0.99)} ms, max ${p(0.999999)} ms`,
  );
  await app.close();
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(`redis://${config.redisUrl}`);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
