import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { LevelWithSilent } from 'pino';
import { register } from 'prom-client';
import { messagingOptionsFrom } from './app-messaging';
import { APP_CONFIG, AppConfig } from './platform/config/app.config';
import { slotWaitingPg } from './platform/database/connection-slots';
import { PgErrorGuard } from './platform/database/pg-error-guard';
import { HealthModule } from './platform/health/health.module';
import { MessageRegistry, MessagingModule } from './messaging';
import { messagingReadiness, MESSAGING_READINESS_DEPS } from './app-readiness';
import { loggerParams, prettyStream } from './platform/observability/logging';
import { MetricsController } from './platform/observability/metrics.controller';
import { rateLimitModule } from './platform/security/customer-rate-limit';

export interface AppModuleOptions {
  config: AppConfig;
  /** Feature modules; tests pass fixtures here. */
  features?: DynamicModule['imports'];
  /** Defaults to LOG_LEVEL; createApp may lower it (see effectiveLogLevel). */
  logLevel?: LevelWithSilent;
}

@Module({})
export class AppModule {
  static forRoot({ config, features = [], logLevel }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      providers: [PgErrorGuard],
      imports: [
        {
          module: ConfigHolder,
          global: true,
          providers: [{ provide: APP_CONFIG, useValue: config }],
          exports: [APP_CONFIG],
        },
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.postgresUrl,
          poolSize: config.dbPoolSize,
          // A server out of connection slots (53300) is waited for like the pool's own slots.
          driver: slotWaitingPg,
          autoLoadEntities: true,
          synchronize: false,
          logging: false,
          // Waiting for a pooled connection is bounded, and so are every statement and every
          // transaction left idle (a handler hung on an external call): a stuck handler fails,
          // is retried, and gives its connection back, instead of hanging.
          extra: {
            connectionTimeoutMillis: 10_000,
            statement_timeout: 30_000,
            idle_in_transaction_session_timeout: 60_000,
          },
        }),
        LoggerModule.forRoot(loggerParams(logLevel ?? config.logLevel, prettyStream())),
        ClsModule.forRoot({
          global: true,
          // Mounted in bootstrap.ts with app.use, so every route (/health included) gets a context.
          middleware: { mount: false },
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken() }),
            }),
          ],
        }),
        CqrsModule.forRoot({
          // Routing by the stable message name; never null, which would bind a handler to all events.
          eventIdProvider: { getEventId: (type) => MessageRegistry.nameOf(type) ?? type.name },
        }),
        PrometheusModule.register({
          path: '/metrics',
          controller: MetricsController,
          // Node.js process defaults, registered once per process (tests boot several apps).
          defaultMetrics: { enabled: !register.getSingleMetric('process_cpu_user_seconds_total') },
        }),
        rateLimitModule(config),
        MessagingModule.forRootAsync({ useFactory: messagingOptionsFrom, inject: [APP_CONFIG] }),
        HealthModule.forRoot({ inject: MESSAGING_READINESS_DEPS, useFactory: messagingReadiness }),
        ...features,
      ],
    };
  }
}

@Module({})
class ConfigHolder {}
