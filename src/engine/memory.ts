import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import { isShownFree, type AvailabilityOps } from './availability/port.js';
import type { Engine, RateLimitResult } from './engine.js';
import { createMemoryHoldGate } from './hold-gate/memory.js';
import { createMemoryVersions } from './availability/versions.memory.js';
import { createMemoryWaitingRoom } from './waiting-room/memory.js';

type Entry =
  | { kind: 'counter'; value: number; expiresAt: number }
  | { kind: 'set'; members: Set<string>; expiresAt: number }
  | { kind: 'lease'; holder: string; expiresAt: number };

const NEVER = Number.POSITIVE_INFINITY;
const SWEEP_EVERY_MS = 30_000;

/**
 * The single-node engine. Node runs one piece of JavaScript at a time, so each method body is a
 * critical section as long as it does not await: that is what makes multi-key changes atomic here,
 * as a Lua script does in Redis. Expired entries vanish lazily on access and in a periodic sweep — the
 * per-performance state (waiting rooms, gates, bitsets and their versions) as well, when its Redis keys
 * would have expired.
 */
export function createMemoryEngine(opts: { clock?: Clock } = {}): Engine {
  const clock = opts.clock ?? systemClock;
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

  const hitRateLimit = (key: string, limit: number, windowMs: number): RateLimitResult => {
    const window = incr(key, 1, windowMs);
    // As the Redis script does: a window that lost its expiry (a plain incr on the key) would never reset.
    if (window.expiresAt === NEVER) window.expiresAt = clock.now() + windowMs;
    return {
      allowed: window.value <= limit,
      remaining: Math.max(0, limit - window.value),
      retryAfterMs: Math.max(0, window.expiresAt - clock.now()),
    };
  };

  const waitingRoom = createMemoryWaitingRoom(hitRateLimit, clock);
  const availability = createMemoryAvailability(clock);
  const holdGate = createMemoryHoldGate(clock, availability.shownFree);

  const sweep = setInterval(() => {
    const now = clock.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    waitingRoom.forgetExpired(now);
    availability.forgetExpired(now);
    holdGate.forgetExpired(now);
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    ...waitingRoom.ops,
    ...availability.ops,
    ...holdGate.ops,
    kind: 'memory',
    ping: async () => undefined,

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

    hitRateLimit: async (key, limit, windowMs) => hitRateLimit(key, limit, windowMs),

    close: async () => {
      clearInterval(sweep);
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

/**
 * Bitsets for the memory engine; every call completes without awaiting, hence atomic. The version and
 * the bitset expire separately, as their two keys do in Redis.
 */
function createMemoryAvailability(clock: Clock): {
  ops: AvailabilityOps;
  forgetExpired(now: number): void;
  /** Whether the seat map shows the seat free; undefined when there is no map. */
  shownFree: (perf: string, seat: number) => boolean | undefined;
} {
  const versions = createMemoryVersions(clock);
  const stored = new Map<string, { bits: Buffer; until: number }>();
  /** The stored bitset, unless it has expired. */
  const liveBits = (perf: string) => {
    const entry = stored.get(perf);
    if (entry && entry.until <= clock.now()) stored.delete(perf);
    return stored.get(perf)?.bits;
  };
  const forgetExpired = (now: number) => {
    versions.forgetExpired(now);
    for (const [perf, entry] of stored) if (entry.until <= now) stored.delete(perf);
  };
  const ops: AvailabilityOps = {
    availabilityRead: async (perf, now) => {
      const version = versions.version(perf, now);
      const bits = liveBits(perf);
      return { version, bits: bits ? Buffer.from(bits) : null };
    },
    availabilityStore: async (perf, bits, version, ttlMs) => {
      // Like Redis: only over a version someone has read, never creating one.
      if (versions.live(perf) !== version || liveBits(perf)) return false;
      stored.set(perf, { bits: Buffer.from(bits), until: clock.now() + ttlMs });
      return true;
    },
    availabilityFlip: async (perf, seatNos, available, now) => {
      const bits = liveBits(perf);
      if (bits) {
        for (const seat of seatNos) {
          const i = seat >> 3;
          if (i >= bits.length) continue;
          const mask = 1 << (seat & 7);
          bits[i] = available ? bits[i]! | mask : bits[i]! & ~mask;
        }
      }
      return versions.bump(perf, now);
    },
  };
  const shownFree = (perf: string, seat: number) => {
    const bits = liveBits(perf);
    return bits ? isShownFree(bits, seat) : undefined;
  };
  return { ops, forgetExpired, shownFree };
}
