import { masters, RedisClient } from '../platform/redis/redis-client';

/**
 * The streams whose keys match `match`, on every master: a cluster's keys are spread over its
 * masters, and SCAN walks one node only.
 */
export async function scanStreams(redis: RedisClient, match: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of await masters(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = (await node.call(
        'SCAN',
        cursor,
        'MATCH',
        match,
        'TYPE',
        'stream',
        'COUNT',
        '500',
      )) as [string, string[]];
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}
