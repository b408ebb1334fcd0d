import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { READINESS_CHECKS, ReadinessChecksFactory } from './readiness';

/** `/health`, `/health/ready` and `/health/live`: PostgreSQL plus the checks the application gives. */
@Module({})
export class HealthModule {
  static forRoot(checks: ReadinessChecksFactory): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(checks.imports ?? [])],
      controllers: [HealthController],
      providers: [
        { provide: READINESS_CHECKS, inject: checks.inject ?? [], useFactory: checks.useFactory },
      ],
    };
  }
}
