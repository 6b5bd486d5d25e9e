import { Redis } from 'ioredis';

/**
 * The keys under `prefix` on a shared Redis, found with SCAN (KEYS would block the server everyone's
 * tests and benches share, for as long as it walks the whole keyspace).
 */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  // The prefix is matched literally: glob characters in it are escaped.
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  for await (const batch of redis.scanStream({ match, count: 1000 })) keys.push(...(batch as string[]));
  return keys;
}

/** Deletes every key under `prefix`, and only those (never FLUSHALL: the server is shared). */
export async function deleteKeysUnder(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix) throw new Error('refusing to delete every key of a shared Redis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const keys = await keysUnder(redis, prefix);
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
  } finally {
    await redis.quit();
  }
}
