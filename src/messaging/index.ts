// The messaging module's public face: everything outside src/messaging imports from here only,
// so files inside can move without touching the features.
export { MessagingModule } from './messaging.module';
export type { MessagingAsyncOptions } from './messaging.module';
export { MESSAGING_OPTIONS } from './messaging.options';
export type { MessagingOptions, MessagingRole, PruneRule } from './messaging.options';
export {
  IntegrationCommand,
  IntegrationEvent,
  Message,
  MessageRegistry,
  DuplicateMessageNameError,
  UnknownMessageError,
  newHeader,
} from './message';
export type { MessageHeader, MessageKind, MessageType } from './message';
export { HandlerName, MessageSaga } from './handler-name.decorator';
export type { HandlerOptions } from './handler-name.decorator';
export { CommandSender } from './outbox.publisher';
export { OutboxCommandRouting, isOutboxCommand } from './outbox-command';
export { OutboxWriter, MAX_MESSAGES_PER_STATEMENT } from './outbox.writer';
export type { Change } from './outbox.writer';
export { RetryLater } from './retry-later';
export { RedisFactory, StreamNames } from './messaging.tokens';
export { ConsumerHost } from './consumer/consumer-host';
export { OutboxRelay } from './relay/outbox.relay';
export { DeadLetters, REDRIVE_PAGE } from './dead-letters';
export type { DeadLetter } from './dead-letters';
export { MessagingStatus } from './messaging-status';
export type { GroupStatus, OutboxStatus } from './messaging-status';
export { StreamTrimmer, DEAD_LETTERS_MAX } from './stream-trimmer';
export { Pruner } from './pruner';
export { replayableSince, replayOutbox } from './outbox-replay';
export { messagingMigrations } from './migrations';
