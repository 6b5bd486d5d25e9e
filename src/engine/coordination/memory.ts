import type { Clock } from '../../platform/clock.js';
import type { Coordination, RateLimitResult } from './port.js';

type Entry =
  | { kind: 'counter'; value: number; expiresAt: number }
  | { kind: 'set'; members: Set<string>; expiresAt: number }
  | { kind: 'lease'; holder: string; expiresAt: number }
  | { kind: 'claim'; expiresAt: number };

const NEVER = Number.POSITIVE_INFINITY;

/**
 * Counters, sets, leases, rate limits and pub/sub for the memory engine. Each method body runs without
 * awaiting, so it is atomic on the one node, as a Lua script is in Redis. Expired entries vanish lazily
 * on access and when the engine sweeps (`forgetExpired`).
 */
export function createMemoryCoordination(clock: Clock): {
  ops: Coordination;
  /** `hitRateLimit`, synchronous, so that a caller can count and act in one step (the queue join). */
  hitWindow: (key: string, limit: number, windowMs: number) => RateLimitResult;
  forgetExpired: (now: number) => void;
  clear: () => void;
} {
  const entries = new Map<string, Entry>();
  const channels = new Map<string, Set<(message: string) => void>>();

  const live = <K extends Entry['kind']>(key: string, kind: K): Extract<Entry, { kind: K }> | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    if (entry.kind !== kind) throw new Error(`engine key ${key} holds a ${entry.kind}, not a ${kind}`);
    return entry as Extract<Entry, { kind: K }>;
  };
  // As in the Redis scripts, a missing or non-positive ttl means "no expiry".
  const expiry = (ttlMs: number | undefined) =>
    ttlMs === undefined || ttlMs <= 0 ? NEVER : clock.now() + ttlMs;

  const incr = (key: string, by: number, ttlMs: number | undefined) => {
    let counter = live(key, 'counter');
    if (!counter) entries.set(key, (counter = { kind: 'counter', value: 0, expiresAt: expiry(ttlMs) }));
    counter.value += by;
    return counter;
  };

  const hitWindow = (key: string, limit: number, windowMs: number): RateLimitResult => {
    const window = incr(key, 1, windowMs);
    // As the Redis script does: a window that lost its expiry (a plain incr on the key) would never reset.
    if (window.expiresAt === NEVER) window.expiresAt = clock.now() + windowMs;
    return {
      allowed: window.value <= limit,
      remaining: Math.max(0, limit - window.value),
      retryAfterMs: Math.max(0, window.expiresAt - clock.now()),
    };
  };

  const ops: Coordination = {
    incr: async (key, by = 1, ttlMs) => incr(key, by, ttlMs).value,
    getCounter: async (key) => live(key, 'counter')?.value ?? 0,

    setAdd: async (key, member, ttlMs) => {
      let set = live(key, 'set');
      if (!set) {
        set = { kind: 'set', members: new Set(), expiresAt: NEVER };
        entries.set(key, set);
      }
      if (ttlMs !== undefined) set.expiresAt = expiry(ttlMs);
      const added = !set.members.has(member);
      set.members.add(member);
      return added;
    },
    setRemove: async (key, member) => {
      const set = live(key, 'set');
      if (!set) return false;
      const removed = set.members.delete(member);
      if (set.members.size === 0) entries.delete(key); // as Redis does with an empty set
      return removed;
    },
    setHas: async (key, member) => live(key, 'set')?.members.has(member) ?? false,
    setSize: async (key) => live(key, 'set')?.members.size ?? 0,

    del: async (key) => {
      entries.delete(key);
    },

    claimOnce: async (key, ttlMs) => {
      if (live(key, 'claim')) return false;
      entries.set(key, { kind: 'claim', expiresAt: expiry(ttlMs) });
      return true;
    },

    acquireLease: async (name, holder, ttlMs) => {
      const lease = live(name, 'lease');
      if (lease && lease.holder !== holder) return false;
      entries.set(name, { kind: 'lease', holder, expiresAt: expiry(ttlMs) });
      return true;
    },
    releaseLease: async (name, holder) => {
      const lease = live(name, 'lease');
      if (!lease || lease.holder !== holder) return false;
      entries.delete(name);
      return true;
    },
    leaseHolder: async (name) => live(name, 'lease')?.holder ?? null,

    publish: async (channel, message) => {
      const handlers = channels.get(channel);
      if (!handlers) return;
      // Delivered later, never inside publish(), as over a network: callers must not rely on ordering
      // between their own code and the handlers.
      for (const handler of handlers) setImmediate(deliver, handlers, handler, message);
    },
    subscribe: async (channel, handler) => {
      let handlers = channels.get(channel);
      if (!handlers) channels.set(channel, (handlers = new Set()));
      // Wrapping makes each subscription distinct even when the same function subscribes twice.
      const subscription = (message: string) => handler(message);
      handlers.add(subscription);
      return async () => {
        handlers.delete(subscription);
        if (handlers.size === 0) channels.delete(channel);
      };
    },

    hitRateLimit: async (key, limit, windowMs) => hitWindow(key, limit, windowMs),
  };

  return {
    ops,
    hitWindow,
    forgetExpired: (now) => {
      for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    },
    clear: () => {
      entries.clear();
      channels.clear();
    },
  };
}

/** Skips a subscription that ended after the publish: once unsubscribe() is called, nothing arrives. */
function deliver(
  handlers: Set<(message: string) => void>,
  handler: (message: string) => void,
  message: string,
) {
  if (handlers.has(handler)) handler(message);
}
