/**
 * Imported first by src/main.ts: OpenTelemetry must patch http, express, pg, ioredis and Nest
 * before anything requires them. Reads .env itself, since main.ts has not yet.
 */
import { config as loadDotenv } from 'dotenv';
import { startTracing } from './tracing';

loadDotenv({ quiet: true }); // the environment wins
startTracing();
