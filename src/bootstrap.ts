import { INestApplication, Logger, NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { Server } from 'node:http';
import { NextFunction, Request, Response, json } from 'express';
import helmet from 'helmet';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { dropNoopClsEnhancers } from './platform/context/cls-enhancers';
import { correlationId, requestContext } from './platform/http/correlation-id.middleware';
import { refuseHostileHeaders } from './platform/http/request-headers';
import { AppConfig } from './platform/config/app.config';
import { prepareInfrastructure } from './platform/database/prepare-infrastructure';
import {
  BODY_LIMIT,
  jsonBodyErrors,
  keepRawBody,
  refuseHostileBody,
  requireJsonBody,
  WEBHOOK_BODY_LIMIT,
} from './platform/http/http-body';
import { setupSwagger } from './platform/http/swagger';
import { staffOnly } from './platform/security/staff.guard';
import { requestLog } from './platform/observability/request-log';
import { serverSpans } from './platform/observability/server-span';
import { effectiveLogLevel } from './platform/observability/logging';
import { stopTracing } from './platform/observability/tracing-lifecycle';
import { UnexpectedErrorFilter } from './platform/observability/unexpected-error.filter';

/**
 * Builds the application for a configuration: database created and migrated, Redis reachable,
 * then Nest. Shared by `main.ts` and the e2e tests, so tests boot exactly what users run.
 */
export async function createApp(
  config: AppConfig,
  features: AppModuleOptions['features'],
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  await prepareInfrastructure(config);
  const logLevel = effectiveLogLevel(config.logLevel, options.logger);
  const app = await NestFactory.create(AppModule.forRoot({ config, features, logLevel }), {
    bodyParser: false,
    forceCloseConnections: true,
    bufferLogs: true,
    ...options,
  });
  dropNoopClsEnhancers(app);
  // Nest's own lines (start-up, errors) become JSON lines too, with the rest of the logs.
  app.useLogger(app.get(PinoNestLogger));
  // Whose X-Forwarded-For names the client (req.ip, the rate limit's key): no one unless told.
  app.getHttpAdapter().getInstance().set('trust proxy', config.security.trustProxy);
  // First: every request's server span (trace context continued) and its HTTP metrics, so a
  // request refused by any later middleware (400, 413, 415) is traced and counted too.
  app.use(serverSpans());
  // Security headers on every answer, errors included (spec §9). Helmet's default CSP lets
  // Swagger UI run (its scripts are files of ours, its styles inline); no upgrade to https,
  // which a laptop or a TLS-terminating proxy in front does not want.
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } },
    }),
  );
  app.use(refuseHostileHeaders);
  // Then: the Correlation-ID, echoed on every response, and the CLS context that
  // carries it into every message and external call the request causes.
  app.use(correlationId);
  // Outside any request, nestjs-pino's PinoLogger is the app's plain pino logger.
  app.use(requestLog((await app.resolve(PinoLogger)).logger));
  app.use(requestContext());
  app.use(requireJsonBody);
  // The webhook's own, smaller limit; the general parser then finds the body read and skips it.
  // Its raw bytes are kept for the signature check (WebhookSignatureGuard).
  app.use('/api/tickets-status', json({ limit: WEBHOOK_BODY_LIMIT, verify: keepRawBody }));
  app.use(json({ limit: BODY_LIMIT }), jsonBodyErrors, refuseHostileBody);
  if (!config.roles.has('api')) {
    // Processes without the api role still answer /health and /metrics, never business routes.
    app.use('/api', (_req: Request, res: Response, _next: NextFunction) =>
      res
        .status(404)
        .json({ statusCode: 404, error: 'Not Found', message: 'this process has no api role' }),
    );
  }
  app.setGlobalPrefix('api', { exclude: ['health', 'health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new UnexpectedErrorFilter(app.get(HttpAdapterHost).httpAdapter));
  // Swagger UI and its JSON are plain Express routes: the staff rule as a middleware.
  app.use(['/api/docs', '/api/docs-json'], staffOnly(config));
  setupSwagger(app);
  if (config.roles.has('api') && !config.security.webhookSecret) {
    new Logger('security').warn(
      'DEAD_NATION_WEBHOOK_SECRET is not set: POST /api/tickets-status accepts unsigned webhooks',
    );
  }
  return app;
}

/**
 * SIGTERM/SIGINT: app.close() stops the HTTP server and the consumers (in-flight messages finish
 * or stay pending), stops the relay, closes connections; then exit 0. Bounded: past the timeout
 * the process leaves with 1, and whatever it held is claimed by another consumer.
 */
export function exitOnSignals(app: INestApplication, config: AppConfig): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      new Logger('tickets').log(`${signal}: shutting down`);
      setTimeout(() => {
        process.stderr.write(`shutdown took longer than ${config.shutdownTimeoutMs + 5000} ms\n`);
        process.exit(1);
      }, config.shutdownTimeoutMs + 5000).unref();
      stopAcceptingRequests(app, config.shutdownTimeoutMs)
        .then(() => app.close())
        .then(
          () => stopTracing().then(() => process.exit(0)),
          (e) => {
            process.stderr.write(`shutdown failed: ${e?.message}\n`);
            process.exit(1);
          },
        );
    });
  }
}

/**
 * First refuse new connections and let requests in flight finish (a booking that commits must
 * reach its client), bounded; app.close() then stops consumers and relay and destroys whatever
 * connection is left.
 */
function stopAcceptingRequests(app: INestApplication, timeoutMs: number): Promise<void> {
  const server = app.getHttpServer() as Server;
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    // keep-alive connections turn idle as their last response goes out: close them as they do
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const done = () => {
      clearInterval(sweep);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    server.close(done);
    server.closeIdleConnections();
  });
}

/**
 * Printed whatever LOG_LEVEL: where a process listens, with which roles, and the URLs a person
 * opens next, on one line. The app URL comes first, followed by a space: tests and scripts read
 * it with /listening on (\S+)/.
 */
export function logStartup(config: AppConfig, url: string): void {
  PinoLogger.root.child({ context: 'tickets' }, { level: 'info' }).info(startupBanner(config, url));
}

export function startupBanner(config: AppConfig, url: string): string {
  const parts = [`roles ${[...config.roles].join(',')}; listening on ${url}`];
  if (config.roles.has('api')) parts.push(`API docs ${url}/api/docs`);
  parts.push(`metrics ${url}/metrics`, `gateway ${config.gatewayUrl}`);
  return parts.join(' | ');
}
