import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import Redis from 'ioredis';
import { ConsumerHost, RedisFactory, OutboxRelay } from '../messaging';
import { OnApplicationShutdown } from '@nestjs/common';

/**
 * 200 when PostgreSQL, Redis and this process's roles work; 503 naming the failing part
 * otherwise. A worker is not healthy before its consumer groups read.
 */
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly consumers: ConsumerHost,
    private readonly relay: OutboxRelay,
    @Inject(RedisFactory) redisFactory: RedisFactory,
  ) {
    this.redis = redisFactory.create('health');
  }

  /**
   * Liveness: answered by the event loop alone, so an orchestrator restarts a hung process but
   * not one waiting for PostgreSQL or Redis to come back (a restart would not bring them back).
   */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the same checks as /health, which stays for existing probes. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.check();
  }

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      async () => {
        const redis = this.indicators.check('redis');
        try {
          await Promise.race([
            this.redis.ping(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1500)),
          ]);
          return redis.up();
        } catch (e) {
          return redis.down({ message: e.message });
        }
      },
      () => this.role('consumers', this.consumers.problem()),
      () => this.role('relay', this.relay.problem()),
    ]);
  }

  private role(key: string, problem: string | null) {
    const indicator = this.indicators.check(key);
    return problem ? indicator.down({ message: problem }) : indicator.up();
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
