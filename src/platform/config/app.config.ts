import 'reflect-metadata';
import { redactUrls } from '../common/redact';
import { CLUSTER_URL } from '../redis/redis-client';
import { plainToInstance, Transform } from 'class-transformer';
import { formatDuration, parseDuration } from './duration';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

export type Role = 'api' | 'worker' | 'relay';
const ROLES: Role[] = ['api', 'worker', 'relay'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const DURATION = /^\s*[1-9]\d{0,8}\s*[smhd]\s*$/;
const DURATION_RULE = '$property must be a duration such as 7d, 12h, 30m or 45s';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

/**
 * The environment as spec §1 lists it, plus the messaging knobs of §3. Every variable is
 * validated before anything connects, so a typo stops start-up with one line naming it.
 */
class Environment {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 8080;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) GATEWAY_PORT = 8888;
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, {
    message: 'POSTGRES_URL must look like postgres://user@host:5432/database',
  })
  POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/tickets';
  @IsOptional()
  @Matches(
    new RegExp(`^(rediss?://[^\\s]+|[A-Za-z0-9.-]+:\\d{1,5}(/\\d+)?)$|${CLUSTER_URL.source}`),
    {
      message:
        'REDIS_URL must be host:port[/db], redis://host:port[/db] or redis-cluster://host:port,host:port,…',
    },
  )
  REDIS_URL = '127.0.0.1:6379';
  @IsOptional()
  @Matches(/^[A-Za-z0-9:_.-]*$/, { message: 'STREAM_PREFIX may hold letters, digits and :_.-' })
  STREAM_PREFIX = '';
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'GATEWAY_URL must be a URL' })
  GATEWAY_URL = 'http://127.0.0.1:8888';
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'APP_URL must be a URL' })
  APP_URL = 'http://127.0.0.1:8080';
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true },
    { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be a URL' },
  )
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';
  @IsOptional()
  @Matches(/^\s*(api|worker|relay)(\s*,\s*(api|worker|relay))*\s*$/, {
    message: 'ROLES must be a comma-separated subset of api,worker,relay',
  })
  ROLES = 'api,worker,relay';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) MAX_DELIVERIES = 10;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) RETRY_INITIAL_MS = 500;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) RETRY_MAX_MS = 5000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) CLAIM_IDLE_MS = 5000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000) CONSUMER_BATCH = 100;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) CONSUMER_CONCURRENCY = 32;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) CONSUMER_SHARED_COMMIT = 16;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60000) CONSUMER_SHARED_COMMIT_MS = 10;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) CONSUMER_SHARED_COMMIT_BUSY = 4;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000) RELAY_BATCH = 500;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) RELAY_SWEEP_MS = 500;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) STREAM_RETENTION_MS = 3_600_000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) SHUTDOWN_TIMEOUT_MS = 10_000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) DB_POOL_SIZE = 20;
  @IsOptional() @IsIn(['on', 'off'], { message: 'MIGRATIONS must be on or off' }) MIGRATIONS = 'on';
  @IsOptional() @IsString() CONSUMER_NAME?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) GATEWAY_TIMEOUT_MS = 5000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(20) GATEWAY_RETRIES = 3;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) GATEWAY_RETRY_BASE_MS = 100;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) GATEWAY_RETRY_MAX_MS = 2000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(2147483647) MAX_TICKETS_PER_BOOKING = 50;
  @IsOptional() @Matches(DURATION, { message: DURATION_RULE }) OUTBOX_RETENTION = '7d';
  @IsOptional() @Matches(DURATION, { message: DURATION_RULE }) DEDUPE_RETENTION = '7d';
  @IsOptional() @Matches(DURATION, { message: DURATION_RULE }) WEBHOOK_KEY_RETENTION = '30d';

  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, {
    message: 'DEAD_NATION_WEBHOOK_SECRET must be whsec_ followed by base64 (at least 12 bytes)',
  })
  DEAD_NATION_WEBHOOK_SECRET?: string;
  @IsOptional()
  @Matches(/^\s*[\x21-\x2b\x2d-\x7e]{16,}(\s*,\s*[\x21-\x2b\x2d-\x7e]{16,})*\s*$/, {
    message: 'ADMIN_TOKENS must be comma-separated tokens of at least 16 visible characters',
  })
  ADMIN_TOKENS?: string;
  @IsOptional() @IsString() NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) RATE_LIMIT_PER_MINUTE?: number;
  @IsOptional()
  @Matches(/^(true|false|\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, {
    message:
      'TRUST_PROXY must be true, false, a hop count, or comma-separated addresses/subnets (loopback, 10.0.0.0/8)',
  })
  TRUST_PROXY = 'false';
}

/** Never echoed in an error: their value is the secret. */
const SECRET_VARIABLES = new Set(['DEAD_NATION_WEBHOOK_SECRET', 'ADMIN_TOKENS']);

export interface AppConfig {
  port: number;
  gatewayPort: number;
  postgresUrl: string;
  redisUrl: string;
  streamPrefix: string;
  gatewayUrl: string;
  appUrl: string;
  otlpEndpoint?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  roles: Set<Role>;
  dbPoolSize: number;
  /**
   * Apply pending migrations at start-up (MIGRATIONS=on, the default). Off: a separate step with
   * a more privileged role runs them (`npm run migration:run`), and start-up refuses a schema
   * that lags behind this build.
   */
  migrations: boolean;
  shutdownTimeoutMs: number;
  /**
   * Seats one booking may take (spec §9): Dead Nation confirms a booking with one ticket per
   * seat, in webhooks of 500, sent twice, so one huge booking would flood the system.
   */
  maxTicketsPerBooking: number;
  /** The gateway clients: timeout per attempt, retries on 5xx/timeouts with capped backoff. */
  gateway: { timeoutMs: number; retries: number; retryBaseMs: number; retryMaxMs: number };
  /**
   * Spec §9. `webhookSecret` (whsec_…): Dead Nation's webhook must carry a Standard Webhooks
   * signature; unset, it is taken unsigned. `adminTokens`: the bearer tokens of staff endpoints;
   * empty, they are open.
   */
  security: {
    webhookSecret?: string;
    adminTokens: string[];
    production: boolean;
    /** Customers' requests per minute per client address; undefined = no limit. */
    rateLimitPerMinute?: number;
    /**
     * Express's `trust proxy`: whose X-Forwarded-For tells the client address. false (the
     * default): the connection's address, X-Forwarded-For ignored.
     */
    trustProxy: boolean | number | string;
  };
  messaging: {
    maxDeliveries: number;
    retryInitialMs: number;
    retryMaxMs: number;
    claimIdleMs: number;
    consumerBatch: number;
    consumerConcurrency: number;
    /** At most this many messages share one COMMIT (1: a COMMIT each)… */
    sharedCommitMessages: number;
    /** …and none joins a transaction older than this. */
    sharedCommitMs: number;
    /** Busy connection slots from which a message waits to join rather than take a free one. */
    sharedCommitBusy: number;
    relayBatch: number;
    relaySweepMs: number;
    streamRetentionMs: number;
    consumerName?: string;
  };
  /** How long rows are kept before the relay role prunes them (spec §10). */
  retention: { outboxMs: number; dedupeMs: number; webhookKeyMs: number };
}

/**
 * The longest a message can still be delivered after a handler recorded it as handled: an
 * acknowledged entry stays in its stream for STREAM_RETENTION_MS (a group created again reads it),
 * and a delivery in progress elsewhere can go on for every retry, claim and gateway attempt of
 * its budget. A dedupe record must outlive it, or the late delivery would act twice.
 */
export function longestRedeliveryMs(c: Pick<AppConfig, 'messaging' | 'gateway'>): number {
  const g = c.gateway;
  const attemptMs = (g.retries + 1) * g.timeoutMs + g.retries * g.retryMaxMs;
  const m = c.messaging;
  return m.streamRetentionMs + m.maxDeliveries * (m.retryMaxMs + m.claimIdleMs + attemptMs);
}

export class ConfigError extends Error {}

/** Validates `env` and returns the typed configuration; throws ConfigError with one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(new Environment())) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT)
    raw.OTEL_EXPORTER_OTLP_ENDPOINT = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (env.CONSUMER_NAME) raw.CONSUMER_NAME = env.CONSUMER_NAME;
  for (const key of [
    'DEAD_NATION_WEBHOOK_SECRET',
    'ADMIN_TOKENS',
    'NODE_ENV',
    'RATE_LIMIT_PER_MINUTE',
  ])
    if (env[key]) raw[key] = env[key]!;
  const e = plainToInstance(Environment, raw);
  const errors = validateSync(e, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const why = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const shown =
      raw[first.property] !== undefined && !SECRET_VARIABLES.has(first.property)
        ? ` (got "${redactUrls(raw[first.property])}")`
        : '';
    throw new ConfigError(`Invalid configuration: ${first.property}: ${why}${shown}`);
  }
  if (e.RETRY_MAX_MS < e.RETRY_INITIAL_MS) {
    throw new ConfigError('Invalid configuration: RETRY_MAX_MS must not be below RETRY_INITIAL_MS');
  }
  const production = e.NODE_ENV === 'production';
  if (production) {
    const missing = ['ADMIN_TOKENS', 'DEAD_NATION_WEBHOOK_SECRET'].filter((k) => !raw[k]);
    if (missing.length > 0) {
      throw new ConfigError(
        `Invalid configuration: NODE_ENV=production needs ${missing.join(' and ')}`,
      );
    }
    if (env.TICKETS_FAULT) {
      throw new ConfigError(
        'Invalid configuration: TICKETS_FAULT is a test-only switch, refused with NODE_ENV=production',
      );
    }
  }
  const config: AppConfig = {
    port: e.PORT,
    gatewayPort: e.GATEWAY_PORT,
    postgresUrl: e.POSTGRES_URL,
    redisUrl: e.REDIS_URL,
    streamPrefix: e.STREAM_PREFIX,
    gatewayUrl: e.GATEWAY_URL.replace(/\/$/, ''),
    appUrl: e.APP_URL.replace(/\/$/, ''),
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: e.LOG_LEVEL,
    roles: new Set(
      e.ROLES.split(',')
        .map((r) => r.trim() as Role)
        .filter((r) => ROLES.includes(r)),
    ),
    dbPoolSize: e.DB_POOL_SIZE,
    migrations: e.MIGRATIONS === 'on',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    maxTicketsPerBooking: e.MAX_TICKETS_PER_BOOKING,
    gateway: {
      timeoutMs: e.GATEWAY_TIMEOUT_MS,
      retries: e.GATEWAY_RETRIES,
      retryBaseMs: e.GATEWAY_RETRY_BASE_MS,
      retryMaxMs: e.GATEWAY_RETRY_MAX_MS,
    },
    security: {
      webhookSecret: e.DEAD_NATION_WEBHOOK_SECRET,
      adminTokens: (e.ADMIN_TOKENS ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
      production,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      trustProxy:
        e.TRUST_PROXY === 'true'
          ? true
          : e.TRUST_PROXY === 'false'
            ? false
            : /^\d+$/.test(e.TRUST_PROXY)
              ? Number(e.TRUST_PROXY)
              : e.TRUST_PROXY,
    },
    messaging: {
      maxDeliveries: e.MAX_DELIVERIES,
      retryInitialMs: e.RETRY_INITIAL_MS,
      retryMaxMs: e.RETRY_MAX_MS,
      claimIdleMs: e.CLAIM_IDLE_MS,
      consumerBatch: e.CONSUMER_BATCH,
      consumerConcurrency: e.CONSUMER_CONCURRENCY,
      sharedCommitMessages: e.CONSUMER_SHARED_COMMIT,
      sharedCommitMs: e.CONSUMER_SHARED_COMMIT_MS,
      sharedCommitBusy: e.CONSUMER_SHARED_COMMIT_BUSY,
      relayBatch: e.RELAY_BATCH,
      relaySweepMs: e.RELAY_SWEEP_MS,
      streamRetentionMs: e.STREAM_RETENTION_MS,
      consumerName: e.CONSUMER_NAME,
    },
    retention: {
      outboxMs: parseDuration(e.OUTBOX_RETENTION)!,
      dedupeMs: parseDuration(e.DEDUPE_RETENTION)!,
      webhookKeyMs: parseDuration(e.WEBHOOK_KEY_RETENTION)!,
    },
  };
  const redelivery = longestRedeliveryMs(config);
  if (config.retention.dedupeMs <= redelivery) {
    throw new ConfigError(
      `Invalid configuration: DEDUPE_RETENTION must exceed the longest possible redelivery, ${formatDuration(redelivery)} (STREAM_RETENTION_MS plus MAX_DELIVERIES times retry, claim and gateway time) (got "${e.DEDUPE_RETENTION}")`,
    );
  }
  return config;
}

/**
 * Parses REDIS_URL into a URL createRedisClient understands: host:port becomes redis://host:port,
 * redis://, rediss:// and redis-cluster:// stay as they are.
 */
export function redisConnectionUrl(redisUrl: string): string {
  return /^(rediss?|redis-cluster):\/\//.test(redisUrl) ? redisUrl : `redis://${redisUrl}`;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
