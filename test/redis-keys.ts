import { Cluster, type Redis } from 'ioredis';
import { openRedis, parseRedisUrl, type RedisConnection } from '../src/engine/redis-target.js';

/** A client for a test's REDIS_URL: one server, or a Redis Cluster (`redis+cluster://`). */
export function openTestRedis(redisUrl: string): RedisConnection {
  return openRedis(parseRedisUrl(redisUrl), { lazyConnect: true, maxRetriesPerRequest: 2 });
}

/**
 * The keys under `prefix` on a shared Redis, found with SCAN (KEYS would block the server everyone's
 * tests and benches share, for as long as it walks the whole keyspace). On a cluster, every primary's.
 */
export async function keysUnder(redis: RedisConnection, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  // The prefix is matched literally: glob characters in it are escaped.
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const servers: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const server of servers) {
    for await (const batch of server.scanStream({ match, count: 1000 })) keys.push(...(batch as string[]));
  }
  return keys;
}

/** Deletes every key under `prefix`, and only those (never FLUSHALL: the server is shared). */
export async function deleteKeysUnder(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix) throw new Error('refusing to delete every key of a shared Redis');
  const redis = openTestRedis(redisUrl);
  try {
    await redis.connect();
    const keys = await keysUnder(redis, prefix);
    // One key per UNLINK on a cluster, where a command's keys must share a slot; pipelined, in one write.
    const oneByOne = redis instanceof Cluster;
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (oneByOne) await Promise.all(chunk.map((key) => redis.unlink(key)));
      else await redis.unlink(...chunk);
    }
  } finally {
    await redis.quit();
  }
}
