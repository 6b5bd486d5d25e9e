import { Redis, type RedisOptions } from 'ioredis';
import type { AvailabilityOps } from './availability/port.js';
import { createRedisAvailability } from './availability/redis.js';
import { fixedWindowLua } from './coordination/fixed-window.redis.js';
import type { Engine, RateLimitResult } from './engine.js';
import type { HoldGateOps } from './hold-gate/port.js';
import { createRedisHoldGate } from './hold-gate/redis.js';
import type { WaitingRoomOps } from './waiting-room/port.js';
import { createRedisWaitingRoom } from './waiting-room/redis.js';

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
    lua: `${fixedWindowLua}
      return { hit_window(KEYS[1], ARGV[1]) }`,
  },
} as const;

interface ScriptCommands {
  incrTtl(key: string, by: number, ttlMs: number): Promise<number>;
  setAddTtl(key: string, member: string, ttlMs: number): Promise<number>;
  leaseAcquire(key: string, holder: string, ttlMs: number): Promise<number>;
  leaseRelease(key: string, holder: string): Promise<number>;
  rateLimit(key: string, windowMs: number): Promise<[number, number]>;
}

// A dead or partitioned Redis must make calls fail within seconds (the request gets an error, /readyz
// says so), never hang. The deadlines are generous enough for the longest script (a queue's opening
// shuffle).
const CONNECTION_OPTIONS = {
  lazyConnect: true,
  // While reconnecting, a command waits for two attempts (about a second), then fails.
  maxRetriesPerRequest: 2,
  connectTimeout: 5_000,
  // A server that stops answering without closing the socket (a partition, a frozen host) fails the
  // caller after this long…
  commandTimeout: 5_000,
  // …and the silent socket is replaced, since TCP alone would take many minutes to notice it is dead.
  socketTimeout: 5_000,
  // A command cut off with its socket may already have run: resending it after the reconnect would run
  // it twice (an INCR counted twice). Its caller gets an error instead, as with a timeout.
  autoResendUnfulfilledCommands: false,
} satisfies RedisOptions;

/** What is neither a waiting room, availability, the hold gate, nor pub/sub. */
type Basics = Omit<
  Engine,
  | 'kind'
  | 'publish'
  | 'subscribe'
  | 'close'
  | keyof WaitingRoomOps
  | keyof AvailabilityOps
  | keyof HoldGateOps
>;

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
    ...CONNECTION_OPTIONS,
    keyPrefix: prefix,
    // Commands issued in the same event-loop turn (the joins or hold gates of many requests at once) go
    // out in one write and come back in one read: under load a syscall pair per command cost more CPU
    // than the commands themselves (bench/queue, bench/booking). The subscriber only subscribes.
    enableAutoPipelining: true,
  });
  for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys, lua });
  }
  const engine: Engine = {
    ...createRedisWaitingRoom(redis),
    ...createRedisAvailability(redis),
    ...createRedisHoldGate(redis),
    ...createRedisBasics(redis),
    ...createRedisPubSub(redis, opts.url, prefix),
    kind: 'redis',
  };
  await connect(redis);
  return engine;
}

function createRedisBasics(redis: Redis): Basics {
  const scripts = redis as unknown as ScriptCommands;
  return {
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
): Pick<Engine, 'publish' | 'subscribe' | 'close'> {
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

  return {
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

    close: async () => {
      const pending = subscriber;
      subscriber = undefined;
      channels.clear();
      await Promise.all([quit(redis), pending?.then(quit, () => undefined)]);
    },
  };
}

/**
 * Connects or throws the reason. Connection errors are otherwise left to surface as rejected commands:
 * the listener only keeps an unhandled 'error' event from crashing the process.
 */
async function connect(connection: Redis): Promise<void> {
  let lastError: unknown;
  connection.on('error', (err: unknown) => (lastError = err));
  try {
    await connection.connect();
  } catch (err) {
    // ioredis would otherwise keep reconnecting forever in the background, holding the process open.
    connection.disconnect();
    // The socket's error (ECONNREFUSED host:port) says more than the rejection ("Connection is closed").
    const reason = lastError ?? err;
    throw new Error(`cannot connect to Redis: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: err,
    });
  }
}

/** Quits politely, or drops the socket when the server does not answer. */
async function quit(connection: Redis): Promise<void> {
  await connection.quit().catch(() => connection.disconnect());
}
