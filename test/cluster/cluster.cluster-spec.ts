import { INestApplication } from '@nestjs/common';
import { Cluster } from 'ioredis';
import request from 'supertest';
import { StreamTrimmer } from '../../src/messaging';
import { refundKeys } from '../../src/refunds/refund-ticket/refund-keys';
import { createRedisClient, masters } from '../../src/platform/redis/redis-client';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { ProbeModule } from '../fixtures/probe.module';
import { createShow } from '../flows/support';
import {
  consumerKilledBeforeAck,
  dlqCli,
  effects,
  expectExactlyOnce,
  publishProbes,
  seqs,
} from '../messaging/support';
import { startJourney } from '../support/journey';
import { settled } from '../support/settled';
import { callsPer, ENDPOINTS, rawCalls } from '../support/sim-calls';
import { eventually, TestEnv } from '../support/test-env';
import { testCluster } from './local-cluster';

/**
 * Issue 19: the app on a Redis Cluster of three masters and three replicas, started here on its
 * own ports and removed at the end whatever fails. The failover cases run last, each leaving one
 * master without a replica: the second fails over a master that still has one.
 */
describe('on a Redis Cluster (3 masters, 3 replicas)', () => {
  const cluster = testCluster();
  const clients: Cluster[] = [];

  beforeAll(async () => {
    await cluster.start();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster.stop();
  });

  /** A TestEnv on the cluster; the harness's reads (settled, groupInfo) go to the cluster too. */
  function clusterEnv(overrides: Record<string, string> = {}): TestEnv {
    const env = new TestEnv({ REDIS_URL: cluster.url, ...overrides });
    const client = createRedisClient(cluster.url) as Cluster;
    client.on('error', () => undefined);
    clients.push(client);
    Object.defineProperty(env, 'redisClient', { value: client });
    return env;
  }

  /** The whole app and a simulator posting webhooks back, for the describe block calling it. */
  function onJourney(env: TestEnv): { sim: RunningSimulator; url: string } {
    const journey = {} as { sim: RunningSimulator; url: string };
    beforeAll(async () => {
      Object.assign(journey, await startJourney(env, { webhook: { delay_ms: 10 } }));
      journey.sim.configure({ webhook: { app_url: journey.url } });
    });
    afterAll(async () => {
      await env.close();
      await journey.sim?.close();
    });
    return journey;
  }

  /** Books `n` bookings of two tickets on one show; returns their ids. */
  async function book(url: string, n: number): Promise<string[]> {
    const show_id = await createShow(url, { number_of_tickets: 2 * n });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await request(url)
        .post('/api/book-tickets')
        .send({ show_id, number_of_tickets: 2, customer_email: `c${i}@example.com` })
        .expect(201);
      ids.push(res.body.booking_id);
    }
    return ids;
  }

  /**
   * Every booking reached Dead Nation once, and each of its tickets got one receipt, one file
   * and one print row, counted in the simulator's raw calls once the app is at rest.
   */
  async function expectJourneysOnce(env: TestEnv, sim: RunningSimulator, bookingIds: string[]) {
    const ticketIds = await eventually(
      () => {
        const all = bookingIds.map((id) => sim.state.bookings.get(id)?.ticket_ids ?? []);
        return all.every((t) => t.length === 2) ? all.flat() : null;
      },
      { timeoutMs: 120_000, what: 'every booking at Dead Nation' },
    );
    const printKeys = ticketIds.map((id) => `tickets-to-print/${id}`);
    await eventually(
      async () => {
        const calls = await rawCalls(sim);
        const answered = { field: 'answered' as const };
        return (
          Object.keys(callsPer(calls, ENDPOINTS.receipt, ticketIds, answered)).length ===
            ticketIds.length &&
          Object.keys(callsPer(calls, ENDPOINTS.file, ticketIds, answered)).length ===
            ticketIds.length &&
          Object.keys(callsPer(calls, ENDPOINTS.appendRow, printKeys, answered)).length ===
            ticketIds.length
        );
      },
      { timeoutMs: 120_000, what: 'a receipt, a file and a print row per ticket' },
    );
    await settled(env, { timeoutMs: 120_000 });
    const calls = await rawCalls(sim);
    const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));
    expect(callsPer(calls, ENDPOINTS.booking, bookingIds)).toEqual(once(bookingIds));
    expect(callsPer(calls, ENDPOINTS.receipt, ticketIds)).toEqual(once(ticketIds));
    expect(callsPer(calls, ENDPOINTS.file, ticketIds)).toEqual(once(ticketIds));
    expect(callsPer(calls, ENDPOINTS.appendRow, printKeys)).toEqual(once(printKeys));
  }

  async function streamKeys(env: TestEnv): Promise<string[]> {
    const keys: string[] = [];
    for (const node of await masters(env.redisClient)) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${env.prefix}events.*`);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
    }
    return keys;
  }

  describe('the whole journey', () => {
    const env = clusterEnv();
    const journey = onJourney(env);

    it('books, confirms, issues, prints and refunds once, its streams spread over the masters', async () => {
      const { sim, url } = journey;
      const bookingIds = await book(url, 10);
      await expectJourneysOnce(env, sim, bookingIds);

      const ticket = sim.state.bookings.get(bookingIds[0])!.ticket_ids[0];
      await request(url).put(`/api/ticket-refund/${ticket}`).expect(202);
      await request(url).put(`/api/ticket-refund/${ticket}`).expect(202);
      await eventually(async () => {
        const [{ n }] = await env.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM processed_messages WHERE handler = 'refund_ticket'`,
        );
        return n === 2;
      });
      await settled(env);
      const calls = await rawCalls(sim);
      const refundKey = (id: string) => refundKeys(id).refund;
      expect(callsPer(calls, ENDPOINTS.refund, [ticket], { keyOf: refundKey })).toEqual({
        [ticket]: 1,
      });

      // One stream per message type, each its own key: the types land on different masters.
      const keys = await streamKeys(env);
      const owners = new Set(await Promise.all(keys.map((k) => cluster.masterOf(k))));
      console.log(`${keys.length} streams on ${owners.size} of 3 masters`);
      expect(owners.size).toBeGreaterThan(1);
    });
  });

  describe('R6: a consumer killed after its effect and before XACK', () => {
    const env = clusterEnv({ CLAIM_IDLE_MS: '1000' });
    afterAll(() => env.close());

    it('leaves the entry pending; another consumer claims it and the effect happens once', () =>
      consumerKilledBeforeAck(env));
  });

  describe('dead letters and trimming', () => {
    const env = clusterEnv({ MAX_DELIVERIES: '3', STREAM_RETENTION_MS: '0' });
    let app: INestApplication;
    const dlq = (...args: string[]) => dlqCli(env, ...args);

    beforeAll(async () => {
      ({ app } = await env.start([ProbeModule]));
    });
    afterAll(() => env.close());

    it('dead-letters into the stream’s own slot, lists and re-drives with the CLI, and trims', async () => {
      await env.query(`INSERT INTO probe_switches (name) VALUES ('poison')`);
      const events = await publishProbes(
        app,
        seqs(50).map((seq) => ({ seq, poison: seq === 7 })),
      );
      await expectExactlyOnce(env, 'probe_mirror', seqs(50));
      const letters = env.key(`dead-letters{${env.key('events.Probe_v1')}}`);
      await eventually(async () => (await env.redisClient.xlen(letters)) === 1, {
        what: 'the poison message dead-lettered',
      });
      const listed = await dlq('list');
      expect(listed.stdout).toContain(events[7].header.id);
      expect(listed.stdout).toContain('probe_effect');

      await env.query(`DELETE FROM probe_switches WHERE name = 'poison'`);
      expect((await dlq('redrive')).stdout).toContain('re-drove 1 dead letter');
      await settled(env);
      await expectExactlyOnce(env, 'probe_effect', seqs(50));
      expect(await env.redisClient.xlen(letters)).toBe(0);
      expect((await effects(env, 'probe_mirror')).get(7)).toBe(1); // the copy was not for it

      const stream = env.key('events.Probe_v1');
      const before = await env.redisClient.xlen(stream);
      expect(await app.get(StreamTrimmer).trimAll()).toBeGreaterThan(0);
      expect(await env.redisClient.xlen(stream)).toBeLessThan(before);
    });
  });

  describe('a master failed over to a replica that missed its last entries', () => {
    // The consumers in a process of their own, to stop them while the entries are lost: entries
    // a consumer already read are handled whatever becomes of them in Redis.
    const env = clusterEnv({ CLAIM_IDLE_MS: '2000', ROLES: 'api,relay' });
    const journey = onJourney(env);

    it('publishes them again from the outbox, and every effect still happens exactly once', async () => {
      const { sim, url } = journey;
      const worker = env.spawn('src/main.js', { ROLES: 'worker', GATEWAY_URL: sim.url });
      const first = await book(url, 5);
      await expectJourneysOnce(env, sim, first); // every stream of the journey exists
      // The master of the stream the API publishes to (the consumers will be stopped); this
      // case runs before the other failover, so every master still has its replica.
      const victim = await cluster.masterOf(env.key('events.BookingMade_v1'));
      const replica = await cluster.replicaOf(victim);
      expect(replica).toBeDefined();
      const keys = await streamKeys(env);
      const owners = await Promise.all(keys.map((k) => cluster.masterOf(k)));
      const destinations = keys
        .filter((_, i) => owners[i] === victim)
        .map((k) => k.slice(env.prefix.length));

      // Its replica hears nothing more: paused, and its replication link cut by the master.
      // The consumers are paused too, so what the master takes meanwhile stays unread.
      worker.kill('SIGSTOP');
      cluster.pause(replica!);
      try {
        await cluster.ask(victim, 'CLIENT', 'KILL', 'TYPE', 'replica');
        const [{ cut }] = await env.query<{ cut: Date }>('SELECT now() AS cut');
        const more = await book(url, 5);
        // The relay published entries there that no replica acknowledged (WAIT answered 0).
        await eventually(
          async () => {
            const [{ n }] = await env.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM outbox WHERE destination = ANY($1) AND published_at > $2`,
              [destinations, cut],
            );
            return n > 0;
          },
          { timeoutMs: 30_000, what: 'entries published on the cut-off master' },
        );
        const taken = Number(await cluster.replication(victim, 'master_repl_offset'));
        await cluster.kill(victim);
        cluster.resume(replica!);
        worker.kill('SIGCONT');
        await eventually(async () => (await cluster.masters()).includes(replica!), {
          timeoutMs: 60_000,
          intervalMs: 200,
          what: 'the stale replica promoted',
        });
        await cluster.healthy();
        // The loss is real: the replica took over at an offset short of what its master had taken.
        const promotedAt = Number(await cluster.replication(replica!, 'second_repl_offset'));
        expect(promotedAt).toBeGreaterThan(0);
        expect(promotedAt - 1).toBeLessThan(taken);
        await expectJourneysOnce(env, sim, [...first, ...more]);
      } finally {
        cluster.resume(replica!);
        worker.kill('SIGCONT');
      }
    });
  });

  describe('a master killed mid-journey', () => {
    const env = clusterEnv({ CLAIM_IDLE_MS: '2000' });
    const journey = onJourney(env);

    it('fails over to its replica, and every effect still happens exactly once', async () => {
      const { sim, url } = journey;
      const first = await book(url, 10);
      // Messages are flowing: some tickets are confirmed, most of the journey is still ahead.
      await eventually(
        async () =>
          Object.keys(
            callsPer(await rawCalls(sim), ENDPOINTS.booking, first, { field: 'answered' }),
          ).length > 0,
        { what: 'a first booking at Dead Nation' },
      );
      // A master with messages flowing that still has a replica (the case above took one's).
      let victim = 0;
      for (const stream of [
        'TicketBookingConfirmed_v1',
        'TicketReceiptIssued_v1',
        'TicketPrinted_v1',
        'BookingMade_v1',
        'InternalOpsReadModelUpdated',
      ]) {
        const master = await cluster.masterOf(env.key(`events.${stream}`));
        if (!victim && (await cluster.replicaOf(master))) victim = master;
      }
      expect(victim).not.toBe(0);
      await cluster.kill(victim);
      const more = book(url, 10); // bookings keep coming during the failover
      // Its replica takes over: three masters again, the killed one not among them.
      await eventually(
        async () => {
          const now = await cluster.masters();
          return now.length === 3 && !now.includes(victim);
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'a replica promoted' },
      );
      await cluster.healthy();
      await expectJourneysOnce(env, sim, [...first, ...(await more)]);
    });
  });
});
