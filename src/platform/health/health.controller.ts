import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { OnApplicationShutdown } from '@nestjs/common';
import { READINESS_CHECKS, ReadinessCheck } from './readiness';

/**
 * 200 when PostgreSQL, Redis and this process's roles work; 503 naming the failing part
 * otherwise. A worker is not healthy before its consumer groups read.
 */
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

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
      ...this.checks.map((check) => async () => {
        const indicator = this.indicators.check(check.key);
        const problem = await check.problem();
        return problem ? indicator.down({ message: problem }) : indicator.up();
      }),
    ]);
  }

  onApplicationShutdown(): void {
    for (const check of this.checks) check.close?.();
  }
}
