import Redis, { Cluster } from 'ioredis';
import {
  byMaster,
  calculateSlot,
  CLUSTER_URL,
  clusterSeeds,
  createRedisClient,
  isClusterUrl,
} from './redis-client';

describe('REDIS_URL for a cluster', () => {
  it('names the seed nodes, with or without credentials', () => {
    expect(clusterSeeds('redis-cluster://a:7000,b.local:7001')).toEqual({
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b.local', port: 7001 },
      ],
      username: undefined,
      password: undefined,
    });
    expect(clusterSeeds('redis-cluster://app:s%40cret@a:7000/')).toMatchObject({
      nodes: [{ host: 'a', port: 7000 }],
      username: 'app',
      password: 's@cret',
    });
    expect(clusterSeeds('redis-cluster://:pw@a:7000').password).toBe('pw');
  });

  it('is told from a single node by its scheme', () => {
    expect(isClusterUrl('redis-cluster://a:1')).toBe(true);
    expect(isClusterUrl('redis://a:1')).toBe(false);
    expect(CLUSTER_URL.test('redis-cluster://a:1,b:2')).toBe(true);
    expect(CLUSTER_URL.test('redis-cluster://a,b:2')).toBe(false);
  });

  it('makes a Cluster client for a cluster URL and a plain one otherwise', () => {
    const cluster = createRedisClient('redis-cluster://127.0.0.1:1', { lazyConnect: true });
    const single = createRedisClient('redis://127.0.0.1:1', { lazyConnect: true });
    expect(cluster).toBeInstanceOf(Cluster);
    expect(single).toBeInstanceOf(Redis);
    cluster.disconnect();
    single.disconnect();
  });
});

describe('byMaster', () => {
  it('keeps one group, in order, on one node', () => {
    const single = createRedisClient('redis://127.0.0.1:1', { lazyConnect: true });
    expect(byMaster(single, ['a', 'b', 'c'], (k) => k)).toEqual([['a', 'b', 'c']]);
    single.disconnect();
  });

  it('groups keys by the master holding their slot, in order within each', () => {
    const cluster = createRedisClient('redis-cluster://127.0.0.1:1', {
      lazyConnect: true,
    }) as Cluster;
    cluster.slots = Array.from({ length: 16384 }, (_, slot) => [slot < 8192 ? 'm1' : 'm2']);
    const keys = ['x', 'a', 'b', 'c', '{a}2'];
    const groups = byMaster(cluster, keys, (k) => k);
    expect(groups.flat().sort()).toEqual([...keys].sort());
    for (const group of groups) {
      const nodes = new Set(group.map((k) => (calculateSlot(k) < 8192 ? 'm1' : 'm2')));
      expect(nodes.size).toBe(1);
      expect(group).toEqual(keys.filter((k) => group.includes(k)));
    }
    cluster.disconnect();
  });
});
