import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json } from 'express';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/platform/config/app.config';
import { prepareInfrastructure } from '../../src/platform/database/prepare-infrastructure';
import { featureModules } from '../../src/features';

/**
 * The app's own modules (controllers, service, repository, OutboxWriter, TypeORM) in a plain Nest
 * setup: no tracing, no request log, no metrics, no CLS middleware, no body guards; Nest's
 * ValidationPipe kept. Measured in the same run as the app and the framework-free server, it
 * shows what the framework itself costs on the booking path. Not part of the product.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  await prepareInfrastructure(config);
  const app = await NestFactory.create(
    AppModule.forRoot({ config, features: featureModules, logLevel: 'silent' }),
    { bodyParser: false, logger: false },
  );
  app.use(json({ limit: '1mb' }));
  app.setGlobalPrefix('api', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  await app.listen(config.port, '127.0.0.1');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((e) => {
  process.stderr.write(`plain nest failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
