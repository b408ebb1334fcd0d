import { ConsumerHost, RedisFactory, OutboxRelay } from './messaging';
import { probeCheck, ReadinessCheck } from './platform/health/readiness';

/** What messagingReadiness takes, in order (Nest injects them). */
export const MESSAGING_READINESS_DEPS = [RedisFactory, ConsumerHost, OutboxRelay];

/**
 * What /health checks beyond PostgreSQL: Redis, and the consumers and the relay of this
 * process's roles (a worker is not ready before its groups read). Wired at the app's level,
 * where both layers are known, so the platform's health module imports nothing from messaging.
 */
export function messagingReadiness(
  redisFactory: RedisFactory,
  consumers: ConsumerHost,
  relay: OutboxRelay,
): ReadinessCheck[] {
  const redis = redisFactory.create('health');
  return [
    probeCheck(
      'redis',
      () => redis.ping(),
      1500,
      () => redis.disconnect(),
    ),
    { key: 'consumers', problem: () => consumers.problem() },
    { key: 'relay', problem: () => relay.problem() },
  ];
}
