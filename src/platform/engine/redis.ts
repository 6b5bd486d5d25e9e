import { Redis } from 'ioredis';
import type { Engine, RateLimitResult } from './engine.js';
import { createRedisAvailability } from './availability.redis.js';
import { createRedisWaitingRoom } from './waiting-room.redis.js';

// Every multi-step change is one script, so it is atomic on the server; every key a script touches is
// passed in KEYS (never built inside Lua), which is what Redis Cluster needs to route it.
const SCRIPTS = {
  incrTtl: {
    numberOfKeys: 1,
    lua: `
      local existed = redis.call('EXISTS', KEYS[1])
      local value = redis.call('INCRBY', KEYS[1], ARGV[1])
      if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
      return value`,
  },
  setAddTtl: {
    numberOfKeys: 1,
    lua: `
      local added = redis.call('SADD', KEYS[1], ARGV[1])
      if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
      return added`,
  },
  leaseAcquire: {
    numberOfKeys: 1,
    lua: `
      local holder = redis.call('GET', KEYS[1])
      if holder == false then
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
      elseif holder == ARGV[1] then
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
      end
      return 0`,
  },
  leaseRelease: {
    numberOfKeys: 1,
    lua: `
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0`,
  },
  rateLimit: {
    numberOfKeys: 1,
    lua: `
      local hits = redis.call('INCR', KEYS[1])
      if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl < 0 then
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        ttl = tonumber(ARGV[1])
      end
      return {hits, ttl}`,
  },
} as const;

interface ScriptCommands {
  incrTtl(key: string, by: number, ttlMs: number): Promise<number>;
  setAddTtl(key: string, member: string, ttlMs: number): Promise<number>;
  leaseAcquire(key: string, holder: string, ttlMs: number): Promise<number>;
  leaseRelease(key: string, holder: string): Promise<number>;
  rateLimit(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * The multi-node engine on Redis ≥ 7 (or Valkey). `keyPrefix` namespaces every key and channel, so
 * several Tmomi installations — or parallel test runs — can share one server.
 */
export async function createRedisEngine(opts: {
  url: string;
  keyPrefix?: string | undefined;
}): Promise<Engine> {
  const prefix = opts.keyPrefix ?? '';
  const redis = new Redis(opts.url, {
    keyPrefix: prefix,
    lazyConnect: true,
    // A dead Redis must make calls fail within seconds (the request gets an error, /readyz says so),
    // not queue them forever.
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
  });
  // Connection errors surface as rejected commands; without a listener they would crash the process.
  redis.on('error', () => undefined);
  for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys, lua });
  }
  await redis.connect();
  const scripts = redis as unknown as ScriptCommands;

  // A connection in subscriber mode cannot run commands, so pub/sub has its own, opened on first use.
  // ioredis does not prefix channels; we do, so that the prefix isolates them like keys.
  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<(message: string) => void>>();
  const subscriberConnection = async (): Promise<Redis> => {
    if (subscriber) return subscriber;
    const connection = new Redis(opts.url, { lazyConnect: true, connectTimeout: 5_000 });
    connection.on('error', () => undefined);
    connection.on('message', (channel: string, message: string) => {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    });
    subscriber = connection;
    await connection.connect();
    return connection;
  };

  return {
    ...createRedisWaitingRoom(redis),
    ...createRedisAvailability(redis),
    kind: 'redis',
    ping: async () => {
      await redis.ping();
    },

    incr: (key, by = 1, ttlMs = 0) => scripts.incrTtl(key, by, ttlMs),
    getCounter: async (key) => Number((await redis.get(key)) ?? 0),

    setAdd: async (key, member, ttlMs = 0) => (await scripts.setAddTtl(key, member, ttlMs)) === 1,
    setRemove: async (key, member) => (await redis.srem(key, member)) === 1,
    setHas: async (key, member) => (await redis.sismember(key, member)) === 1,
    setSize: (key) => redis.scard(key),

    del: async (key) => {
      await redis.del(key);
    },

    acquireLease: async (name, holder, ttlMs) => (await scripts.leaseAcquire(name, holder, ttlMs)) === 1,
    releaseLease: async (name, holder) => (await scripts.leaseRelease(name, holder)) === 1,
    leaseHolder: (name) => redis.get(name),

    publish: async (channel, message) => {
      await redis.publish(prefix + channel, message);
    },
    subscribe: async (channel, handler) => {
      const connection = await subscriberConnection();
      const full = prefix + channel;
      let set = handlers.get(full);
      if (!set) {
        handlers.set(full, (set = new Set()));
        await connection.subscribe(full);
      }
      const subscription = (message: string) => handler(message);
      set.add(subscription);
      return async () => {
        set.delete(subscription);
        if (set.size === 0 && handlers.get(full) === set) {
          handlers.delete(full);
          await connection.unsubscribe(full);
        }
      };
    },

    hitRateLimit: async (key, limit, windowMs): Promise<RateLimitResult> => {
      const [hits, ttl] = await scripts.rateLimit(key, windowMs);
      return { allowed: hits <= limit, remaining: Math.max(0, limit - hits), retryAfterMs: Math.max(0, ttl) };
    },

    close: async () => {
      await Promise.all([redis.quit(), subscriber?.quit()]).catch(() => undefined);
    },
  };
}
