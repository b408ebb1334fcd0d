import { Logger } from '@nestjs/common';
import { GroupConsumer, GroupConsumerOptions } from './group-consumer';
import { StreamEntry } from '../streams/stream-entry';
import { OffTask } from './steps/step';

type RawEntry = [string, string[]];

/**
 * The blocking connection: XREADGROUP hands out what the test queued, or waits (as BLOCK does)
 * until more is queued or the connection is closed.
 */
class FakeBlockingRedis {
  private readonly queue: [string, RawEntry[]][] = [];
  private wakeUp?: () => void;
  readonly counts: number[] = [];
  closed = false;

  push(key: string, entries: RawEntry[]): void {
    this.queue.push([key, entries]);
    this.wakeUp?.();
  }

  async xreadgroup(...args: unknown[]): Promise<[string, RawEntry[]][] | null> {
    const count = Number(args[args.indexOf('COUNT') + 1]);
    this.counts.push(count);
    while (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((r) => (this.wakeUp = r));
    }
    if (this.closed) throw new Error('Connection is closed.');
    const [key, entries] = this.queue[0];
    const taken = entries.splice(0, count);
    if (entries.length === 0) this.queue.shift();
    return [[key, taken]];
  }

  disconnect(): void {
    this.closed = true;
    this.wakeUp?.();
  }
}

/** The command connection: groups created, claims answered from what the test sets. */
class FakeRedis {
  readonly groups: string[][] = [];
  /** Streams whose group exists already. */
  readonly existing = new Set<string>();
  busy = false;

  async xinfo(_what: string, key: string): Promise<unknown[][]> {
    if (!this.existing.has(key)) throw new Error('ERR no such key');
    return [['name', 'svc.probe', 'pending', 0]];
  }

  claimable: RawEntry[] = [];
  deliveries = new Map<string, number>();

  async xgroup(...args: string[]): Promise<string> {
    this.groups.push(args);
    if (this.busy) throw new Error('BUSYGROUP Consumer Group name already exists');
    return 'OK';
  }

  async xautoclaim(): Promise<[string, RawEntry[]]> {
    const entries = this.claimable;
    this.claimable = [];
    return ['0-0', entries];
  }

  async xpending(_key: string, _group: string, ...range: unknown[]) {
    if (range.length === 0) return [0];
    return [...this.deliveries].map(([id, n]) => [id, 'other', 5000, n]);
  }

  async xclaim(): Promise<string[]> {
    return [];
  }
}

/** A processor that holds each entry until the test releases it. */
class FakeProcessor {
  readonly group = 'svc.probe';
  readonly seen: { id: string; deliveries: number; fields: Record<string, string> }[] = [];
  private readonly held = new Map<string, () => void>();
  /** What each entry was given to wait for a retry in. */
  readonly offTasks = new Map<string, OffTask>();
  inFlight = 0;
  maxInFlight = 0;

  process(entry: StreamEntry, deliveries: number, offTask: OffTask): Promise<void> {
    this.seen.push({ id: entry.id, deliveries, fields: entry.fields });
    this.offTasks.set(entry.id, offTask);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve) =>
      this.held.set(entry.id, () => {
        this.inFlight--;
        resolve();
      }),
    );
  }

  release(id?: string): void {
    for (const [key, done] of [...this.held]) {
      if (id && key !== id) continue;
      this.held.delete(key);
      done();
    }
  }
}

const entries = (from: number, n: number): RawEntry[] =>
  Array.from({ length: n }, (_, i) => [`${from + i}-0`, ['name', 'Probe_v1', 'seq', String(i)]]);

/** Event-loop turns until `check` holds (no clock: a broken consumer never gets there). */
async function until(check: () => boolean): Promise<void> {
  for (let turns = 0; turns < 200 && !check(); turns++) {
    await new Promise((r) => setImmediate(r));
  }
  expect(check()).toBe(true);
}

/** Every consumer a test made: stopped after it, so a failed test leaves no timer running. */
const made: GroupConsumer[] = [];
/** Signals of the retry waits a test began: aborted after it, which ends their timers. */
const waits: AbortController[] = [];
function waitSignal(): AbortSignal {
  const controller = new AbortController();
  waits.push(controller);
  return controller.signal;
}

function consumerWith(options: Partial<GroupConsumerOptions> = {}) {
  const blocking = new FakeBlockingRedis();
  const redis = new FakeRedis();
  const processor = new FakeProcessor();
  const consumer = new GroupConsumer(
    processor as any,
    ['events.Probe_v1', 'events.Other_v1'],
    blocking as any,
    redis as any,
    {
      consumerName: 'me',
      batch: 10,
      concurrency: 3,
      claimIdleMs: 3_600_000, // the claim and heartbeat timers never fire; claims are called
      streamKey: (d) => `t:${d}`,
      ...options,
    },
  );
  made.push(consumer);
  return { consumer, blocking, redis, processor };
}

describe('GroupConsumer', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));
  afterEach(async () => {
    waits.splice(0).forEach((w) => w.abort());
    await Promise.all(made.splice(0).map((c) => c.stop(0)));
  });

  it('creates its missing groups from the start (0, MKSTREAM), recovering them first, and a concurrent create is fine', async () => {
    const calls: string[] = [];
    const registry = {
      recover: async (group: string, destinations: string[]) =>
        calls.push(`recover ${group} ${destinations.join(',')}`),
      register: async (group: string, destinations: string[]) =>
        calls.push(`register ${group} ${destinations.join(',')}`),
    };
    const { consumer, redis } = consumerWith({ registry: registry as any });
    redis.existing.add('t:events.Probe_v1');
    redis.busy = true; // another consumer created it meanwhile
    await consumer.start();
    expect(redis.groups).toEqual([['CREATE', 't:events.Other_v1', 'svc.probe', '0', 'MKSTREAM']]);
    expect(calls).toEqual([
      'recover svc.probe events.Other_v1',
      'register svc.probe events.Other_v1',
      // then every stream of the group, so a group made before the registry existed is known too
      'register svc.probe events.Probe_v1,events.Other_v1',
    ]);
    expect(consumer.problem()).toBeNull();
    await consumer.stop(0);
    expect(consumer.problem()).toBe('svc.probe stopped');
  });

  it('hands every entry read to the processor once, as a first delivery, with its fields', async () => {
    const { consumer, blocking, processor } = consumerWith();
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 2));
    await until(() => processor.seen.length === 2);
    expect(processor.seen).toEqual([
      { id: '1-0', deliveries: 1, fields: { name: 'Probe_v1', seq: '0' } },
      { id: '2-0', deliveries: 1, fields: { name: 'Probe_v1', seq: '1' } },
    ]);
    processor.release();
    await consumer.stop(1000);
  });

  it('keeps at most `concurrency` entries in flight, reading more as slots free up', async () => {
    const { consumer, blocking, processor } = consumerWith({ concurrency: 3 });
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 10));
    await until(() => processor.seen.length === 3);
    // Never asked Redis for more than it had room for.
    expect(Math.max(...blocking.counts)).toBeLessThanOrEqual(3);
    processor.release('1-0'); // one slot frees: one more entry, not a batch
    await until(() => processor.seen.length === 4);
    for (let i = 0; i < 10; i++) {
      processor.release();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => processor.seen.length === 10);
    processor.release();
    expect(processor.maxInFlight).toBe(3);
    await consumer.stop(1000);
  });

  it('takes over idle entries of a dead consumer with their delivery counts (the dead-letter budget holds)', async () => {
    const { consumer, redis, processor } = consumerWith();
    await consumer.start();
    redis.claimable = entries(7, 2);
    redis.deliveries = new Map([
      ['7-0', 4],
      ['8-0', 2],
    ]);
    await (consumer as unknown as { claim(): Promise<void> }).claim();
    await until(() => processor.seen.length === 2);
    expect(processor.seen.map((s) => [s.id, s.deliveries])).toEqual([
      ['7-0', 4],
      ['8-0', 2],
    ]);
    processor.release();
    await consumer.stop(1000);
  });

  it('does not run an entry twice at once when a claim returns what is still in flight here', async () => {
    const { consumer, blocking, redis, processor } = consumerWith();
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 1));
    await until(() => processor.seen.length === 1);
    redis.claimable = entries(1, 1); // our own entry, idle while its handler retries
    redis.deliveries = new Map([['1-0', 2]]);
    await (consumer as unknown as { claim(): Promise<void> }).claim();
    await new Promise((r) => setImmediate(r));
    expect(processor.seen).toHaveLength(1);
    processor.release();
    await consumer.stop(1000);
  });

  it('an entry waiting for its retry holds no task slot: the next entry runs meanwhile', async () => {
    const { consumer, blocking, processor } = consumerWith({ concurrency: 1 });
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 3));
    await until(() => processor.seen.length === 1);
    const due = new AbortController(); // aborting the wait stands for the backoff coming due
    waits.push(due);
    let resumed = false;
    void processor.offTasks
      .get('1-0')!
      .wait(3_600_000, due.signal)
      .then(() => (resumed = true));
    await until(() => processor.seen.length === 2); // 2-0 took the slot 1-0 gave up
    due.abort();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(false); // due, but the one slot is 2-0's
    processor.release('2-0');
    await until(() => resumed); // the freed slot went to the due retry, not to a new read
    expect(processor.seen.map((s) => s.id)).toEqual(['1-0', '2-0']);
    processor.release('1-0');
    await until(() => processor.seen.length === 3);
    processor.release();
    await consumer.stop(1000);
  });

  it('an entry waiting for the COMMIT it shares holds no task slot: the entries after it are read and can join', async () => {
    const { consumer, blocking, processor } = consumerWith({ concurrency: 1 });
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 2));
    await until(() => processor.seen.length === 1);
    let commit!: (value: string) => void;
    const committed = new Promise<string>((resolve) => (commit = resolve));
    let outcome: string | undefined;
    void processor.offTasks.get('1-0')!.during!(committed).then((o) => (outcome = o));
    await until(() => processor.seen.length === 2); // 2-0 took the slot 1-0 gave up
    commit('committed');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(outcome).toBeUndefined(); // committed, but the one slot is 2-0's until it finishes
    processor.release('2-0');
    await until(() => outcome === 'committed');
    processor.release();
    await consumer.stop(1000);
  });

  it('keeps a waiting retry in flight: heartbeated, and not run twice when claimed meanwhile', async () => {
    const { consumer, blocking, redis, processor } = consumerWith({ concurrency: 1 });
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 1));
    await until(() => processor.seen.length === 1);
    const waiting = processor.offTasks.get('1-0')!.wait(3_600_000, waitSignal());
    const claimed: unknown[][] = [];
    redis.xpending = async () => [['1-0', 'me', 10, 1]];
    redis.xclaim = async (...args: unknown[]) => (claimed.push(args), []);
    await (consumer as unknown as { heartbeat(): Promise<void> }).heartbeat();
    expect(claimed).toEqual([['t:events.Probe_v1', 'svc.probe', 'me', 0, '1-0', 'JUSTID']]);
    redis.claimable = entries(1, 1);
    await (consumer as unknown as { claim(): Promise<void> }).claim();
    expect(processor.seen).toHaveLength(1);
    void waiting;
    await consumer.stop(0);
  });

  it('bounds the retries waiting outside the slots: past the bound, a retry waits in its slot', async () => {
    const { consumer, blocking, processor } = consumerWith({
      concurrency: 1,
      maxWaitingRetries: 1,
    });
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 3));
    await until(() => processor.seen.length === 1);
    void processor.offTasks.get('1-0')!.wait(3_600_000, waitSignal());
    await until(() => processor.seen.length === 2);
    void processor.offTasks.get('2-0')!.wait(3_600_000, waitSignal()); // the bound is reached
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(processor.seen).toHaveLength(2); // 2-0 kept its slot: 3-0 is not read
    await consumer.stop(0);
  });

  it('stop() waits for the entries in flight, up to the timeout', async () => {
    const { consumer, blocking, processor } = consumerWith();
    await consumer.start();
    blocking.push('t:events.Probe_v1', entries(1, 1));
    await until(() => processor.seen.length === 1);
    let stopped = false;
    const stopping = consumer.stop(3_600_000).then(() => (stopped = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false); // still handling
    processor.release();
    await stopping;
    expect(blocking.closed).toBe(true);
  });
});
