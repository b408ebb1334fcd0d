import pg from 'pg';

/**
 * SQLSTATE 53300: PostgreSQL has no connection slot left for us (max_connections, or a role's
 * or database's connection limit). It says "not now", not "gone": the other processes sharing
 * the server give their connections back within seconds.
 */
export function isOutOfConnectionSlots(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '53300';
}

/** How long to keep asking for a slot when the caller names no bound (the pool's own wait). */
export const SLOT_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `connect` again, with growing jittered pauses, for as long as PostgreSQL refuses it for
 * want of a connection slot and `waitMs` has not passed; any other error fails at once.
 */
export async function withConnectionSlot<T>(
  connect: () => Promise<T>,
  waitMs = SLOT_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return await connect();
    } catch (e) {
      const jittered = pause * (0.5 + Math.random());
      if (!isOutOfConnectionSlots(e) || Date.now() + jittered > deadline) throw e;
      await sleep(jittered);
    }
  }
}

/**
 * Connects a fresh pg Client, waiting for a slot as above (a pg Client cannot connect twice,
 * so every attempt gets a new one from `make`).
 */
export function connectWithSlot(make: () => pg.Client, waitMs = SLOT_WAIT_MS): Promise<pg.Client> {
  return withConnectionSlot(async () => {
    const client = make();
    try {
      await client.connect();
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }, waitMs);
}

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: any) => void,
) => void;

/**
 * A pg Pool that waits for a server connection slot the way it waits for one of its own: when
 * the server is full (other processes hold its max_connections), opening a new connection is
 * tried again until the pool's connectionTimeoutMillis has passed, instead of failing the
 * request, the handler or the relay pass at once. A machine running the app beside a test suite
 * and a benchmark (100 connections for all) sees this every few minutes.
 */
export class SlotWaitingPool extends pg.Pool {
  connect(): Promise<pg.PoolClient>;
  connect(callback: ConnectCallback): void;
  connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const waitMs = this.options.connectionTimeoutMillis || SLOT_WAIT_MS;
    const client = withConnectionSlot(() => super.connect(), waitMs);
    if (!callback) return client;
    client.then(
      (c) => callback(undefined, c, (release?: any) => c.release(release)),
      (e) => callback(e, undefined, () => undefined),
    );
  }
}

/** The pg module with SlotWaitingPool as its Pool: TypeORM's `driver` option. */
export const slotWaitingPg: typeof pg = Object.assign(Object.create(pg), {
  Pool: SlotWaitingPool,
});
