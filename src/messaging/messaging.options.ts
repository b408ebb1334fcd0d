/** What a process does for messaging: `relay` publishes the outbox, trims and prunes; `worker` consumes. */
export type MessagingRole = 'relay' | 'worker';

/** A table the relay role prunes beside messaging's own: rows whose `column` is older than `keepMs`. */
export interface PruneRule {
  table: string;
  /** the row's age column; only rows it is not null for are pruned */
  column: string;
  keepMs: number;
}

/**
 * Everything the messaging module reads: the application maps its own configuration to it
 * (MessagingModule.forRoot / forRootAsync), so nothing here knows the application's config or
 * name.
 */
export interface MessagingOptions {
  /**
   * Names what messaging creates outside its Redis keys: consumer groups `<serviceName>.<handler>`,
   * the LISTEN channel `<serviceName>_outbox`, the tracer `<serviceName>.messaging`, Redis
   * connection names `<serviceName>:<purpose>`. Changing it starts every consumer group anew.
   */
  serviceName: string;
  /** In front of every Redis key: `<keyPrefix>events.X_v1`, `<keyPrefix>dead-letters`. */
  keyPrefix: string;
  /** redis:// or rediss:// URL. */
  redisUrl: string;
  /** PostgreSQL URL for the relay's own LISTEN connection (the pool is the app's DataSource). */
  postgresUrl: string;
  /** Roles of this process; other roles the application has are ignored here. */
  roles: ReadonlySet<MessagingRole>;
  /** How long shutdown waits for messages in flight. */
  shutdownTimeoutMs: number;
  retry: {
    /** Deliveries before a message is dead-lettered. */
    maxDeliveries: number;
    /** Backoff between deliveries: exponential from initialMs, capped at maxMs. */
    initialMs: number;
    maxMs: number;
  };
  consumer: {
    /** Unique per process unless set (a restarted process must not inherit pending entries). */
    name?: string;
    /** Entries read per XREADGROUP. */
    batch: number;
    /** Messages in flight per consumer group. */
    concurrency: number;
    /** A pending entry idle this long is claimed by another consumer. */
    claimIdleMs: number;
    /** Database connections all consumers may hold at once (leave some for the API and relay). */
    connectionSlots: number;
    /**
     * While messages wait for a connection slot, up to `messages` of them (none joining after
     * `withinMs`) run one after another in one transaction, each in a savepoint, and share its
     * COMMIT: a commit waits for the disk, and sharing it is what lets the one-by-one path go
     * faster than one commit per message allows. Absent or 1: a COMMIT per message.
     *
     * Messages wait for slots more often than load alone makes them: once `waitWhenBusy` slots
     * are busy, a message waits up to `withinMs` to be passed one of theirs, in its open
     * transaction, before it takes a free slot and begins its own. A few long transactions
     * then carry the messages instead of many short ones (each beginning and committing alone),
     * and a slow holder delays a message by `withinMs` at most.
     */
    sharedCommit?: { messages: number; withinMs: number; waitWhenBusy?: number };
  };
  relay: {
    /** Outbox rows per pass. */
    batch: number;
    /** Period of the sweep that covers lost notifications. */
    sweepMs: number;
  };
  retention: {
    /** Acknowledged stream entries are kept this long. */
    streamMs: number;
    /** Published outbox rows and dead letters are kept this long. */
    outboxMs: number;
    /** Dedupe records (processed_messages) are kept this long. */
    dedupeMs: number;
    /**
     * The longest a message can still be delivered after it was handled (stream retention plus
     * every retry, claim and external call of its delivery budget): a replay only goes back as
     * far as dedupe records outlive it.
     */
    longestRedeliveryMs: number;
    /** The application's own tables the relay role prunes the same way (e.g. webhook keys). */
    alsoPrune?: PruneRule[];
  };
  /**
   * Test-only crash points, `<point>[:<n>][,…]` (see faults.ts); never set in production.
   */
  faults?: string;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Refuses options that would build invalid names (a LISTEN channel, group names). */
export function validateMessagingOptions(options: MessagingOptions): MessagingOptions {
  if (!SERVICE_NAME.test(options.serviceName)) {
    throw new Error(
      `MessagingOptions.serviceName must be letters, digits and _ starting with a letter (got "${options.serviceName}")`,
    );
  }
  if (options.retry.maxMs < options.retry.initialMs) {
    throw new Error('MessagingOptions.retry.maxMs must not be below retry.initialMs');
  }
  return options;
}
