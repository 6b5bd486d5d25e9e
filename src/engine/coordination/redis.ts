import { Redis } from 'ioredis';
import { connect, CONNECTION_OPTIONS, defineScripts, loadScripts, quit } from '../redis-client.js';
import type { Coordination, PubSub, RateLimitResult } from './port.js';

const SCRIPTS = loadScripts(
  import.meta.url,
  {
    incrTtl: ['incr-ttl.lua'],
    setAddTtl: ['set-add-ttl.lua'],
    leaseAcquire: ['lease-acquire.lua'],
    leaseRelease: ['lease-release.lua'],
    rateLimit: ['hit-window.lib.lua', 'rate-limit.lua'],
  },
  1,
);

interface ScriptCommands {
  incrTtl(key: string, by: number, ttlMs: number): Promise<number>;
  setAddTtl(key: string, member: string, ttlMs: number): Promise<number>;
  leaseAcquire(key: string, holder: string, ttlMs: number): Promise<number>;
  leaseRelease(key: string, holder: string): Promise<number>;
  rateLimit(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * Counters, sets, leases, rate limits and pub/sub on Redis. `redis` is the engine's command connection
 * (its `keyPrefix` namespaces the keys); `url` and `prefix` open and namespace the subscriber. `close`
 * closes the subscriber; the command connection is the engine's to close.
 */
export function createRedisCoordination(
  redis: Redis,
  opts: { url: string; prefix: string },
): { ops: Coordination; close: () => Promise<void> } {
  defineScripts(redis, SCRIPTS);
  const pubSub = createRedisPubSub(redis, opts.url, opts.prefix);
  return { ops: { ...createRedisBasics(redis), ...pubSub.ops }, close: pubSub.close };
}

function createRedisBasics(redis: Redis): Omit<Coordination, keyof PubSub> {
  const scripts = redis as unknown as ScriptCommands;
  return {
    incr: (key, by = 1, ttlMs = 0) => scripts.incrTtl(key, by, ttlMs),
    getCounter: async (key) => Number((await redis.get(key)) ?? 0),

    setAdd: async (key, member, ttlMs = 0) => (await scripts.setAddTtl(key, member, ttlMs)) === 1,
    setRemove: async (key, member) => (await redis.srem(key, member)) === 1,
    setHas: async (key, member) => (await redis.sismember(key, member)) === 1,
    setSize: (key) => redis.scard(key),

    del: async (key) => {
      await redis.del(key);
    },

    claimOnce: async (key, ttlMs) => (await redis.set(key, '1', 'PX', ttlMs, 'NX')) === 'OK',

    acquireLease: async (name, holder, ttlMs) => (await scripts.leaseAcquire(name, holder, ttlMs)) === 1,
    releaseLease: async (name, holder) => (await scripts.leaseRelease(name, holder)) === 1,
    leaseHolder: (name) => redis.get(name),

    hitRateLimit: async (key, limit, windowMs): Promise<RateLimitResult> => {
      const [hits, ttl] = await scripts.rateLimit(key, windowMs);
      return { allowed: hits <= limit, remaining: Math.max(0, limit - hits), retryAfterMs: Math.max(0, ttl) };
    },
  };
}

/**
 * Pub/sub over a second connection, opened on first subscribe: a connection in subscriber mode cannot
 * run commands. ioredis's `keyPrefix` does not apply to channels; we prefix them ourselves so that the
 * prefix isolates channels like keys. ioredis resubscribes after a reconnect; messages published while
 * disconnected are lost (at most once, as documented on the port).
 */
function createRedisPubSub(
  redis: Redis,
  url: string,
  prefix: string,
): { ops: PubSub; close: () => Promise<void> } {
  type Handler = (message: string) => void;
  const channels = new Map<string, { handlers: Set<Handler>; subscribed: Promise<unknown> }>();
  let subscriber: Promise<Redis> | undefined;

  const deliver = (channel: string, message: string) => {
    for (const handler of channels.get(channel)?.handlers ?? []) {
      // A throwing handler must neither starve the others nor unwind through ioredis's reply parser;
      // it still surfaces as an uncaught exception, as it does in the memory engine.
      try {
        handler(message);
      } catch (err) {
        setImmediate(() => {
          throw err;
        });
      }
    }
  };
  const openSubscriber = async () => {
    const connection = new Redis(url, CONNECTION_OPTIONS);
    connection.on('message', deliver);
    await connect(connection);
    return connection;
  };
  const subscriberConnection = () => {
    subscriber ??= openSubscriber().catch((err: unknown) => {
      subscriber = undefined;
      throw err;
    });
    return subscriber;
  };

  const ops: PubSub = {
    publish: async (channel, message) => {
      await redis.publish(prefix + channel, message);
    },

    subscribe: async (channel, handler) => {
      const connection = await subscriberConnection();
      const full = prefix + channel;
      let entry = channels.get(full);
      if (!entry) {
        entry = { handlers: new Set(), subscribed: connection.subscribe(full) };
        channels.set(full, entry);
      }
      const { handlers, subscribed } = entry;
      // Wrapping makes each subscription distinct even when the same function subscribes twice.
      const subscription: Handler = (message) => handler(message);
      handlers.add(subscription);
      const unsubscribe = async () => {
        handlers.delete(subscription);
        if (handlers.size > 0 || channels.get(full) !== entry) return;
        channels.delete(full);
        // Sent on the same connection as any later SUBSCRIBE, so a quick resubscribe still wins.
        await connection.unsubscribe(full);
      };
      // Later subscribers of a channel also wait for its SUBSCRIBE, so that "resolved" means "receiving".
      await subscribed.catch(async (err: unknown) => {
        await unsubscribe().catch(() => undefined);
        throw err;
      });
      return unsubscribe;
    },
  };
  const close = async () => {
    const pending = subscriber;
    subscriber = undefined;
    channels.clear();
    await pending?.then(quit, () => undefined);
  };
  return { ops, close };
}
