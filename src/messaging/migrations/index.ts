import { Messaging1764201600000 } from './1764201600000-messaging';
import { MessagingConsumerGroups1764202250000 } from './1764202250000-consumer-groups';

/**
 * The messaging module's tables (outbox, processed_messages, the events store, consumer_groups).
 * The application runs them with its own: TypeORM orders all by timestamp and records each by
 * name, so these names must never change.
 */
export const messagingMigrations = [Messaging1764201600000, MessagingConsumerGroups1764202250000];
