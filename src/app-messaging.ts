import { AppConfig, longestRedeliveryMs, redisConnectionUrl } from './platform/config/app.config';
import type { MessagingOptions, MessagingRole } from './messaging';

/**
 * The application's name in everything messaging names outside its keys: consumer groups
 * `tickets.<handler>`, the `tickets_outbox` channel, the `tickets.messaging` tracer. Existing
 * groups in Redis and consumer_groups rows carry it, so it must not change.
 */
export const SERVICE_NAME = 'tickets';

/** The application's configuration as the messaging module reads it. */
export function messagingOptionsFrom(config: AppConfig): MessagingOptions {
  const m = config.messaging;
  return {
    serviceName: SERVICE_NAME,
    keyPrefix: config.streamPrefix,
    redisUrl: redisConnectionUrl(config.redisUrl),
    postgresUrl: config.postgresUrl,
    roles: new Set([...config.roles].filter((r): r is MessagingRole => r !== 'api')),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    retry: { maxDeliveries: m.maxDeliveries, initialMs: m.retryInitialMs, maxMs: m.retryMaxMs },
    consumer: {
      name: m.consumerName,
      batch: m.consumerBatch,
      concurrency: m.consumerConcurrency,
      claimIdleMs: m.claimIdleMs,
      // Leave connections for the API, the relay and handlers that open a second transaction.
      connectionSlots: Math.max(1, config.dbPoolSize - 4),
      sharedCommit: {
        messages: m.sharedCommitMessages,
        withinMs: m.sharedCommitMs,
        waitWhenBusy: m.sharedCommitBusy,
      },
    },
    relay: { batch: m.relayBatch, sweepMs: m.relaySweepMs },
    retention: {
      streamMs: m.streamRetentionMs,
      outboxMs: config.retention.outboxMs,
      dedupeMs: config.retention.dedupeMs,
      longestRedeliveryMs: longestRedeliveryMs(config),
      alsoPrune: [
        { table: 'webhook_requests', column: 'received_at', keepMs: config.retention.webhookKeyMs },
      ],
    },
    // Read here, not in loadConfig: a test-only switch, refused there with NODE_ENV=production.
    faults: process.env.TICKETS_FAULT,
  };
}
