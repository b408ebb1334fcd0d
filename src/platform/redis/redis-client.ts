import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';

/**
 * The Redis Cluster hash slot (0-16383) of a key, honouring {hash tags}: ioredis's own
 * cluster-key-slot. It ships no types, so it is typed here rather than by a .d.ts that the
 * production build would have to carry.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const calculateSlot: (key: string) => number = require('cluster-key-slot');

/** One Redis node or a Redis Cluster: both speak the same commands to whoever holds the key. */
export type RedisClient = Redis | Cluster;

/** `redis-cluster://[user:password@]host:port,host:port,…`: the seed nodes of a Redis Cluster. */
export const CLUSTER_URL =
  /^redis-cluster:\/\/(?:[^@\s/]*@)?[A-Za-z0-9.-]+:\d{1,5}(?:,[A-Za-z0-9.-]+:\d{1,5})*\/?$/;

export function isClusterUrl(url: string): boolean {
  return url.startsWith('redis-cluster://');
}

/** The seed nodes and credentials of a cluster URL (any node will do: the client finds the rest). */
export function clusterSeeds(url: string): {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
} {
  const rest = url.slice('redis-cluster://'.length).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const [user, pass] = auth.includes(':') ? auth.split(/:(.*)/s, 2) : ['', auth];
  const nodes = rest
    .slice(at + 1)
    .split(',')
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
  return {
    nodes,
    username: user ? decodeURIComponent(user) : undefined,
    password: pass ? decodeURIComponent(pass) : undefined,
  };
}

/**
 * A client for REDIS_URL: a Cluster for `redis-cluster://…`, else one connection. The options
 * are those of one connection; for a cluster they apply to each node's connection, the retry
 * strategy to reconnecting the cluster, and auto-pipelining groups commands per node.
 */
export function createRedisClient(url: string, options: RedisOptions = {}): RedisClient {
  if (!isClusterUrl(url)) return new Redis(url, options);
  const { nodes, username, password } = clusterSeeds(url);
  const { retryStrategy, enableAutoPipelining, lazyConnect, enableOfflineQueue, ...node } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...node, username, password },
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) : undefined,
    enableAutoPipelining,
    lazyConnect,
    enableOfflineQueue,
    // A failed-over master is known within a second; commands meanwhile wait that long.
    slotsRefreshInterval: 1000,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
  };
  return new Cluster(nodes, clusterOptions);
}

/**
 * The masters of a cluster (each holds a share of the keys), or the one node. A cluster client
 * knows its nodes once connected: a PING first (queued until then) when it is not yet.
 */
export async function masters(client: RedisClient): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') await client.ping();
  return client.nodes('master');
}

/** The master (host:port) serving a key, as a cluster client knows it now; undefined on one node. */
export function masterOf(client: RedisClient, key: string): string | undefined {
  return client instanceof Cluster ? client.slots[calculateSlot(key)]?.[0] : undefined;
}

/**
 * Splits `items` by the master that holds their key: a cluster's pipeline may only touch the
 * slots of one node. One node: one group, in order. Order is kept within each group.
 */
export function byMaster<T>(client: RedisClient, items: T[], keyOf: (item: T) => string): T[][] {
  if (!(client instanceof Cluster)) return [items];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const node = masterOf(client, keyOf(item)) ?? '';
    const group = groups.get(node) ?? [];
    if (group.length === 0) groups.set(node, group);
    group.push(item);
  }
  return [...groups.values()];
}
