import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { loadConfig } from '../src/platform/config/app.config';
import { migrationDataSource } from '../src/platform/database/prepare-infrastructure';

loadDotenv({ quiet: true }); // .env fills gaps; the environment wins

/**
 * The TypeORM CLI's DataSource (`npm run migration:run|revert|show`, compiled to
 * dist/migrations/data-source.js, so it runs in the production image without ts-node). It
 * reads POSTGRES_URL only: the role that changes the schema needs none of the app's secrets.
 */
export default migrationDataSource(
  loadConfig({ POSTGRES_URL: process.env.POSTGRES_URL }).postgresUrl,
);
