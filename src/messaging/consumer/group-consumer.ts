import { Logger } from '@nestjs/common';
import { RedisClient } from '../../platform/redis/redis-client';
import { compareIds, decodeEntry, StreamEntry } from '../streams/stream-entry';
import { BatchProcessor } from './batch-processor';
import { GroupRegistry } from './group-registry';
import { MessageProcessor } from './message-processor';
import { abortableSleep } from './steps/retry.step';
import { OffTask } from './steps/step';

/**
 * How many entries of one group may wait for their next retry outside the task slots. Beyond
 * it, a retry waits inside its slot (as every retry once did): memory stays bounded, and so
 * does how far the group reads ahead of entries it has not finished.
 */
export const MAX_WAITING_RETRIES = 1000;

type RawEntry = [id: string, fields: string[]];

export interface GroupConsumerOptions {
  consumerName: string;
  batch: number;
  concurrency: number;
  claimIdleMs: number;
  streamKey: (destination: string) => string;
  /** Default MAX_WAITING_RETRIES. */
  maxWaitingRetries?: number;
  /** Without it (unit tests), a lost group is only created again. */
  registry?: GroupRegistry;
}

/**
 * The read loop of one consumer group: batched XREADGROUP over all its streams, up to
 * `concurrency` entries in flight (one slow entry does not hold back the others), XAUTOCLAIM of
 * entries a dead consumer left pending, and a heartbeat that keeps our own in-flight entries
 * from looking idle to the other consumers' claims.
 *
 * An entry waiting for its next retry, or for the COMMIT it shares with the messages after it,
 * gives its task slot up (`offTask`): it stays pending and
 * in flight here (heartbeated, so no other consumer claims it while we still mean to retry it;
 * if this process dies, it is claimed after CLAIM_IDLE_MS), and takes a slot again when its
 * backoff is due, before the loop reads anything new.
 */
export class GroupConsumer {
  private readonly logger: Logger;
  private running = false;
  private loopDone?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];
  private readonly inflight = new Map<string, StreamEntry>();
  /** Units of work running: one per entry, or one per batch for batch handlers. */
  private tasks = 0;
  /** Entries between two attempts, holding no task slot. */
  private waiting = 0;
  /** Due retries waiting for a task slot: served before new reads. */
  private readonly resuming: Array<() => void> = [];
  private readonly drained: Array<() => void> = [];
  private slotFreed?: () => void;
  private lastError?: string;
  private ready = false;
  private readonly keys: { key: string; destination: string }[];
  private ensuring?: Promise<void>;
  /** Whether this group's streams are in the registry (groups that already existed included). */
  private registered = false;

  constructor(
    private readonly processor: MessageProcessor,
    destinations: string[],
    private readonly blocking: RedisClient,
    private readonly redis: RedisClient,
    private readonly options: GroupConsumerOptions,
    private readonly batcher?: BatchProcessor,
  ) {
    this.logger = new Logger(`consumer ${processor.group}`);
    this.keys = destinations.map((d) => ({ key: options.streamKey(d), destination: d }));
  }

  get group(): string {
    return this.processor.group;
  }

  get streams(): { key: string; destination: string }[] {
    return this.keys;
  }

  problem(): string | null {
    if (!this.running) return `${this.group} stopped`;
    if (!this.ready) return `${this.group} not started`;
    return this.lastError ? `${this.group}: ${this.lastError}` : null;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.ensureGroups().catch((e) => (this.lastError = e.message));
    this.loopDone = this.loop();
    const { claimIdleMs } = this.options;
    this.timers.push(setInterval(() => void this.claim(), Math.max(100, claimIdleMs / 2)));
    this.timers.push(setInterval(() => void this.heartbeat(), Math.max(50, claimIdleMs / 3)));
  }

  /**
   * Groups start at the beginning of the stream, so nothing published before them is missed.
   * A group Redis lost (registered in PostgreSQL, missing in Redis) has its unhandled messages
   * published again from the outbox first (GroupRegistry.recover). One run at a time: the read
   * loop and the claimer may both find the group gone.
   */
  private ensureGroups(): Promise<void> {
    this.ensuring ??= this.createMissingGroups().finally(() => (this.ensuring = undefined));
    return this.ensuring;
  }

  private async createMissingGroups(): Promise<void> {
    const missing: { key: string; destination: string }[] = [];
    for (const k of this.keys) if (!(await this.groupExists(k.key))) missing.push(k);
    if (missing.length) {
      const destinations = missing.map((k) => k.destination);
      await this.options.registry?.recover(this.group, destinations);
      for (const { key } of missing) {
        try {
          await this.redis.xgroup('CREATE', key, this.group, '0', 'MKSTREAM');
        } catch (e) {
          if (!String(e.message).includes('BUSYGROUP')) throw e;
        }
      }
      await this.options.registry?.register(this.group, destinations);
    }
    this.ready = true;
    await this.registerAll();
  }

  /**
   * Groups created before the registry existed (or by another process) must be in it too, or
   * their loss would go unnoticed. Retried from the read loop until it succeeds.
   */
  private async registerAll(): Promise<void> {
    if (this.registered || !this.options.registry) return;
    await this.options.registry.register(
      this.group,
      this.keys.map((k) => k.destination),
    );
    this.registered = true;
  }

  private async groupExists(key: string): Promise<boolean> {
    try {
      const groups = (await this.redis.xinfo('GROUPS', key)) as unknown[][];
      return groups.some((g) => g[g.indexOf('name') + 1] === this.group);
    } catch (e) {
      if (/no such key/i.test(String(e.message))) return false;
      throw e;
    }
  }

  private async loop(): Promise<void> {
    const { batch, concurrency, consumerName } = this.options;
    while (this.running) {
      if (this.tasks > this.maxTasks() - this.refill()) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        // Let the other entries finishing in this turn free their slots too: one XREADGROUP
        // for all of them rather than one round trip per entry.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      let reply: [string, RawEntry[]][] | null;
      const count = this.batcher ? batch : Math.max(1, Math.min(batch, concurrency - this.tasks));
      try {
        reply = (await this.blocking.xreadgroup(
          'GROUP',
          this.group,
          consumerName,
          'COUNT', // never below 1: Redis reads a COUNT of 0 as "no limit"
          count,
          'BLOCK',
          1000,
          'STREAMS',
          ...this.keys.map((k) => k.key),
          ...this.keys.map(() => '>'),
        )) as [string, RawEntry[]][] | null;
        this.lastError = undefined;
        if (!this.registered) await this.registerAll().catch(() => undefined);
      } catch (e) {
        if (!this.running) break;
        this.lastError = e.message;
        if (String(e.message).includes('NOGROUP')) {
          // Redis came back empty (or a stream was deleted): create the groups again from 0.
          await this.ensureGroups().catch(() => undefined);
        } else {
          await sleep(500);
        }
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        if (this.batcher) this.dispatchBatch(key, entries);
        else for (const [id, flat] of entries) this.dispatch(key, id, flat, 1);
      }
    }
  }

  /**
   * How many tasks must be free before the loop reads again. Entries alone: a quarter of the
   * window, so a busy group reads several entries per XREADGROUP instead of one per entry that
   * finishes (the rest of the window keeps the connection slots busy meanwhile); an idle group
   * has its whole window free and reads at once.
   */
  private refill(): number {
    return this.batcher ? 1 : Math.max(1, Math.floor(this.options.concurrency / 4));
  }

  /** A batch is one task of up to `batch` entries: few of them in flight bound the entries. */
  private maxTasks(): number {
    const { concurrency } = this.options;
    return this.batcher ? Math.max(1, Math.ceil(concurrency / 8)) : concurrency;
  }

  /** Handed to every entry dispatched alone: each holds exactly one task while it runs. */
  private readonly offTask: OffTask = {
    wait: async (ms, signal) => {
      const most = this.options.maxWaitingRetries ?? MAX_WAITING_RETRIES;
      if (this.waiting >= most) return abortableSleep(ms, signal);
      this.waiting++;
      this.freeTask();
      try {
        await abortableSleep(ms, signal);
      } finally {
        this.waiting--;
      }
      await this.takeTask();
    },
    // At most connectionSlots × sharedCommit.messages entries of the process wait here at once.
    during: async (p) => {
      this.freeTask();
      try {
        return await p;
      } finally {
        await this.takeTask();
      }
    },
  };

  private freeTask(): void {
    const resume = this.resuming.shift();
    if (resume) return resume(); // the slot goes straight to a due retry
    this.tasks--;
    this.slotFreed?.();
    this.slotFreed = undefined;
  }

  private async takeTask(): Promise<void> {
    // Once stopping, a due retry only finds out it is to stay pending: it need not wait.
    // A retry due during a blocking read may take a slot that read counted on: the group then
    // runs up to twice `concurrency` for a moment; the connection slots still bound the database.
    if (this.tasks < this.maxTasks() || !this.running) {
      this.tasks++;
      return;
    }
    await new Promise<void>((resolve) => this.resuming.push(resolve));
  }

  private entry(key: string, id: string, flat: string[]): StreamEntry | undefined {
    if (this.inflight.has(`${key} ${id}`)) return undefined;
    const destination = this.keys.find((k) => k.key === key)?.destination ?? key;
    const entry = decodeEntry(key, destination, id, flat);
    this.inflight.set(`${key} ${id}`, entry);
    return entry;
  }

  private dispatch(key: string, id: string, flat: string[], deliveries: number): void {
    const entry = this.entry(key, id, flat);
    if (entry) this.track([entry], this.processor.process(entry, deliveries, this.offTask));
  }

  private dispatchBatch(key: string, raw: RawEntry[]): void {
    const entries = raw.flatMap(([id, flat]) => this.entry(key, id, flat) ?? []);
    if (entries.length) this.track(entries, this.batcher!.process(entries));
  }

  private track(entries: StreamEntry[], work: Promise<void>): void {
    this.tasks++;
    void work
      .catch((e) =>
        this.logger.error(`entries ${entries.map((e) => e.id).join(',')}: ${e.message}`),
      )
      .finally(() => {
        for (const e of entries) this.inflight.delete(`${e.key} ${e.id}`);
        this.freeTask();
        if (this.inflight.size === 0) this.drained.splice(0).forEach((f) => f());
      });
  }

  /** Takes over entries idle longer than CLAIM_IDLE_MS: their consumer died or hung. */
  private async claim(): Promise<void> {
    if (!this.running || this.tasks >= this.options.concurrency) return;
    const { consumerName, claimIdleMs } = this.options;
    for (const { key } of this.keys) {
      try {
        const [, entries] = (await this.redis.xautoclaim(
          key,
          this.group,
          consumerName,
          claimIdleMs,
          '0-0',
          'COUNT',
          100,
        )) as [string, (RawEntry | null)[]];
        const live = entries.filter((e): e is RawEntry => !!e && !!e[1]);
        if (live.length === 0) continue;
        // The claim counted a delivery; read the counts so the dead-letter budget holds.
        const pending = (await this.redis.xpending(
          key,
          this.group,
          live[0][0],
          live[live.length - 1][0],
          live.length + 100,
          consumerName,
        )) as [string, string, number, number][];
        const counts = new Map(pending.map(([id, , , n]) => [id, n]));
        for (const [id, flat] of live) this.dispatch(key, id, flat, counts.get(id) ?? 2);
      } catch (e) {
        if (String(e.message).includes('NOGROUP')) await this.ensureGroups().catch(() => undefined);
      }
    }
  }

  /** Resets the idle time of what we are still working on (JUSTID: no delivery counted). */
  private async heartbeat(): Promise<void> {
    if (this.inflight.size === 0) return;
    const byKey = new Map<string, string[]>();
    for (const e of this.inflight.values()) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.id]);
    const me = this.options.consumerName;
    for (const [key, ids] of byKey) {
      try {
        // Only what is still ours: an entry another consumer claimed while we stalled is theirs now.
        const sorted = [...ids].sort(compareIds);
        const pending = (await this.redis.xpending(
          key,
          this.group,
          sorted[0],
          sorted[sorted.length - 1],
          ids.length,
          me,
        )) as [string, ...unknown[]][];
        const ours = pending.map(([id]) => id).filter((id) => ids.includes(id));
        if (ours.length) await this.redis.xclaim(key, this.group, me, 0, ...ours, 'JUSTID');
      } catch {
        // Redis away: the next beat tries again
      }
    }
  }

  /** Stops reading; in-flight entries finish or, once aborted, stay pending for a claim. */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    this.timers.forEach(clearInterval);
    this.slotFreed?.();
    this.blocking.disconnect(); // ends a BLOCK in progress
    await this.loopDone;
    if (this.inflight.size > 0) {
      // The timer is cleared once drained: a pending one would keep the process alive.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.drained.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
