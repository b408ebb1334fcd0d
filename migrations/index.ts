import { messagingMigrations } from '../src/messaging';
import { Ticketing1764201700000 } from './1764201700000-ticketing';
import { OpsReadModel1764201800000 } from './1764201800000-ops-read-model';
import { WebhookRequestHash1764201900000 } from './1764201900000-webhook-request-hash';
import { RefundClaims1764202000000 } from './1764202000000-refund-claims';
import { OrderAndRefusals1764202100000 } from './1764202100000-order-and-refusals';
import { Durability1764202200000 } from './1764202200000-durability';
import { VipBundles1764202300000 } from './1764202300000-vip-bundles';
import { OpsPendingEvents1764202410000 } from './1764202410000-ops-pending-events';

/**
 * Every migration, the messaging module's and the application's; TypeORM runs them in timestamp
 * order. Listed by hand so the same list works from ts-jest and from dist.
 */
export const migrations = [
  ...messagingMigrations,
  Ticketing1764201700000,
  OpsReadModel1764201800000,
  WebhookRequestHash1764201900000,
  RefundClaims1764202000000,
  OrderAndRefusals1764202100000,
  Durability1764202200000,
  VipBundles1764202300000,
  OpsPendingEvents1764202410000,
];
