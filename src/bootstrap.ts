import { INestApplication, Logger, NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NextFunction, Request, Response, json } from 'express';
import { AppModule, AppModuleOptions } from './app.module';
import { AppConfig } from './config/app.config';
import { prepareInfrastructure } from './database/prepare-infrastructure';

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
  const app = await NestFactory.create(AppModule.forRoot({ config, features }), {
    bodyParser: false,
    ...options,
  });
  app.use(json({ limit: '1mb' }));
  if (!config.roles.has('api')) {
    // Processes without the api role still answer /health and /metrics, never business routes.
    app.use('/api', (_req: Request, res: Response, _next: NextFunction) =>
      res.status(404).json({ statusCode: 404, error: 'Not Found', message: 'this process has no api role' }),
    );
  }
  app.setGlobalPrefix('api', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.enableShutdownHooks();
  return app;
}

export function logStartup(config: AppConfig, url: string): void {
  new Logger('tickets').log(`roles ${[...config.roles].join(',')}; listening on ${url}`);
}
