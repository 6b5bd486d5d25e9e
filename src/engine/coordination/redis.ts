import {
  CLUSTER_OPTIONS,
  connect,
  CONNECTION_OPTIONS,
  defineScripts,
  loadScripts,
  quit,
} from '../redis-client.js';
import { openRedis, type RedisConnection, type RedisTarget } from '../redis-target.js';
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
 * (its `keyPrefix` namespaces the keys); `target` and `prefix` open and namespace the subscriber. `close`
 * closes the subscriber; the command connection is the engine's to close.
 *
 * On a Redis Cluster each of these calls touches one key, and the keys that are not a performance's
 * (rate limits, login throttles, leases, the mail rate) carry no hash tag: each hashes to a slot of its
 * own, so they spread over the shards.
 */
export function createRedisCoordination(
  redis: RedisConnection,
  opts: { target: RedisTarget; prefix: string },
): { ops: Coordination; close: () => Promise<void> } {
  defineScripts(redis, SCRIPTS);
  const pubSub = createRedisPubSub(redis, opts.target, opts.prefix);
  return { ops: { ...createRedisBasics(redis), ...pubSub.ops }, close: pubSub.close };
}

function createRedisBasics(redis: RedisConnection): Omit<Coordination, keyof PubSub> {
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
 *
 * On a Redis Cluster the channels are sharded (SPUBLISH, SSUBSCRIBE; Redis 7): each lives on the shard
 * of its name's slot, and ioredis keeps a subscriber per shard and moves it when a primary fails over.
 * Classic PUBLISH goes to any node and is copied to every other over the cluster bus, so two messages
 * published one after the other through different nodes could arrive in the other order, which the
 * port forbids; a sharded channel has one node, which keeps the order (docs/decisions/037).
 */
function createRedisPubSub(
  redis: RedisConnection,
  target: RedisTarget,
  prefix: string,
): { ops: PubSub; close: () => Promise<void> } {
  type Handler = (message: string) => void;
  const channels = new Map<string, { handlers: Set<Handler>; subscribed: Promise<unknown> }>();
  let subscriber: Promise<RedisConnection> | undefined;

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
  const sharded = target.cluster;
  const openSubscriber = async () => {
    const connection = openRedis(target, CONNECTION_OPTIONS, {
      ...CLUSTER_OPTIONS,
      shardedSubscribers: true,
    });
    connection.on(sharded ? 'smessage' : 'message', deliver);
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
      // SPUBLISH names its channel as a key, so the command connection's keyPrefix applies to it.
      if (sharded) await redis.spublish(channel, message);
      else await redis.publish(prefix + channel, message);
    },

    subscribe: async (channel, handler) => {
      const connection = await subscriberConnection();
      const full = prefix + channel;
      let entry = channels.get(full);
      if (!entry) {
        const subscribed = sharded ? connection.ssubscribe(full) : connection.subscribe(full);
        entry = { handlers: new Set(), subscribed };
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
        await (sharded ? connection.sunsubscribe(full) : connection.unsubscribe(full));
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
