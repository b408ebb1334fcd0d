import { Logger } from '@nestjs/common';
import { MessagingOptions } from '../messaging.options';
import { StreamNames } from '../messaging.tokens';
import { OutboxClaim, OutboxClaims } from './outbox-claims';
import { OutboxRelay, OutboxRow } from './outbox.relay';

interface Row extends OutboxRow {
  published: boolean;
}

const row = (id: number, extra: Partial<Row> = {}): Row => ({
  id: String(id),
  message_id: `m${id}`,
  destination: 'events.Probe_v1',
  name: 'Probe_v1',
  payload: `{"seq":${id}}`,
  correlation_id: `c${id}`,
  traceparent: null,
  tracestate: null,
  published: false,
  ...extra,
});

/**
 * An outbox in memory behind the claims the relay makes, with transactions: rows are marked
 * published only by `publish`, which commits, as in PostgreSQL.
 */
class FakeOutbox implements OutboxClaims {
  readonly rows: Row[] = [];
  readonly log: string[] = [];
  /** Runs once right after the next claim, as if another transaction committed then. */
  afterSelect?: () => void;

  async claim(limit: number): Promise<OutboxClaim> {
    const batch = this.rows.filter((r) => !r.published).slice(0, limit);
    const then = this.afterSelect;
    this.afterSelect = undefined;
    then?.();
    let open = true;
    const end = (what: string) => {
      if (!open) return;
      open = false;
      this.log.push(what);
    };
    return {
      rows: batch,
      publish: async (ids) => {
        for (const r of this.rows) if (ids.includes(r.id)) r.published = true;
        end('commit');
      },
      abandon: async () => end('rollback'),
    };
  }
}

/** A Redis whose pipeline records the XADDs, and fails the ones `failOn` names. */
class FakeRedis {
  readonly added: { key: string; fields: string[] }[] = [];
  failOn?: (fields: string[]) => boolean;
  private seq = 0;

  pipeline() {
    const queued: { key: string; fields: string[] }[] = [];
    const pipeline = {
      xadd: (key: string, _id: string, ...fields: string[]) => {
        queued.push({ key, fields });
        return pipeline;
      },
      exec: async () =>
        queued.map((q) => {
          if (this.failOn?.(q.fields)) return [new Error('OOM command not allowed'), null];
          this.added.push(q);
          return [null, `${++this.seq}-0`];
        }),
    };
    return pipeline;
  }

  disconnect() {}
}

function relayWith(batch: number) {
  const outbox = new FakeOutbox();
  const redis = new FakeRedis();
  const published: number[] = [];
  const relay = new OutboxRelay(
    {
      roles: new Set(['relay']),
      relay: { batch, sweepMs: 500 },
    } as Partial<MessagingOptions> as MessagingOptions,
    {} as any,
    {} as any,
    new StreamNames('t:', 'svc'),
    { relayPublished: (n: number) => published.push(n) } as any,
    {} as any,
  );
  // What onApplicationBootstrap sets up, without its LISTEN connection and sweep timer.
  Object.assign(relay, { redis, running: true, started: true, claims: outbox });
  return { relay, outbox, redis, published };
}

/** Until no pass runs (a follow-up pass starts in the finally of the one before). */
async function settle(relay: OutboxRelay): Promise<void> {
  for (let turns = 0; turns < 10; turns++) {
    await (relay as unknown as { draining?: Promise<void> }).draining;
    await new Promise((r) => setImmediate(r));
  }
}

const fieldsOf = (flat: string[]) =>
  Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));

describe('OutboxRelay', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('publishes every unpublished row, batch by batch, in order, and marks them on commit', async () => {
    const { relay, outbox, redis, published } = relayWith(2);
    outbox.rows.push(row(1), row(2), row(3), row(4), row(5));
    expect(await relay.drain()).toBe(5);
    expect(redis.added.map((a) => fieldsOf(a.fields).message_id)).toEqual([
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
    ]);
    expect(outbox.rows.every((r) => r.published)).toBe(true);
    expect(published).toEqual([2, 2, 1]);
    expect(relay.problem()).toBeNull();
  });

  it('writes the stream entry the consumers read: its fields, on the prefixed stream', async () => {
    const { relay, outbox, redis } = relayWith(10);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    outbox.rows.push(
      row(1, { traceparent, tracestate: 'k=v' }),
      row(2, { correlation_id: null, destination: 'commands.ProbeCommand', name: 'ProbeCommand' }),
    );
    await relay.drain();
    expect(redis.added[0].key).toBe('t:events.Probe_v1');
    expect(fieldsOf(redis.added[0].fields)).toEqual({
      name: 'Probe_v1',
      payload: '{"seq":1}',
      message_id: 'm1',
      correlation_id: 'c1',
      traceparent,
      tracestate: 'k=v',
    });
    // No trace context, no trace fields; no correlation id, an empty one.
    expect(redis.added[1].key).toBe('t:commands.ProbeCommand');
    expect(fieldsOf(redis.added[1].fields)).toEqual({
      name: 'ProbeCommand',
      payload: '{"seq":2}',
      message_id: 'm2',
      correlation_id: '',
    });
  });

  it('leaves a row unpublished when its XADD fails, reports it, and publishes it on the next pass', async () => {
    const { relay, outbox, redis } = relayWith(10);
    outbox.rows.push(row(1), row(2));
    redis.failOn = (fields) => fields.includes('m2');
    expect(await relay.drain()).toBe(0);
    // The row that did reach Redis is marked: it is not published twice.
    expect(outbox.rows.map((r) => r.published)).toEqual([true, false]);
    expect(relay.problem()).toMatch(/^relay: OOM command not allowed/);

    redis.failOn = undefined;
    expect(await relay.drain()).toBe(1);
    expect(outbox.rows.every((r) => r.published)).toBe(true);
    expect(redis.added.map((a) => fieldsOf(a.fields).message_id)).toEqual(['m1', 'm2']);
    expect(relay.problem()).toBeNull();
  });

  it('ends its claim after every pass, empty or not, failed or not: only a published batch commits', async () => {
    const { relay, outbox, redis } = relayWith(10);
    await relay.drain(); // nothing to do
    outbox.rows.push(row(1));
    redis.failOn = () => true;
    await relay.drain();
    redis.failOn = undefined;
    await relay.drain();
    expect(outbox.log).toEqual(['rollback', 'rollback', 'commit']);
  });

  it('a wake-up during a pass makes it go round once more, so a row committed meanwhile is not left for the sweep', async () => {
    const { relay, outbox } = relayWith(10);
    outbox.rows.push(row(1));
    outbox.afterSelect = () => {
      outbox.rows.push(row(2)); // committed after the pass read its batch...
      relay.wake(); // ...and its hint arrives during the pass
    };
    relay.wake();
    await settle(relay);
    expect(outbox.rows.map((r) => r.published)).toEqual([true, true]);
  });

  it('does nothing when woken after shutdown began', async () => {
    const { relay, outbox } = relayWith(10);
    Object.assign(relay, { running: false });
    outbox.rows.push(row(1));
    relay.wake();
    await settle(relay);
    expect(outbox.rows[0].published).toBe(false);
    expect(relay.problem()).toBe('relay not running');
  });
});
