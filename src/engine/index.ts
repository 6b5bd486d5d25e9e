import { systemClock, type Clock } from '../platform/clock.js';
import { createMemoryAvailability } from './availability/memory.js';
import type { Availability } from './availability/port.js';
import { createRedisAvailability } from './availability/redis.js';
import { createMemoryCoordination } from './coordination/memory.js';
import type { Coordination } from './coordination/port.js';
import { createRedisCoordination } from './coordination/redis.js';
import { createMemoryHoldGate } from './hold-gate/memory.js';
import type { HoldGate } from './hold-gate/port.js';
import { COUNTED_KEY_SCRIPTS as gateCountedKeys, createRedisHoldGate } from './hold-gate/redis.js';
import { CLUSTER_OPTIONS, CONNECTION_OPTIONS, connectChecked, quit } from './redis-client.js';
import { openRedis, parseRedisUrl } from './redis-target.js';
import { createMemoryWaitingRoom } from './waiting-room/memory.js';
import type { WaitingRoom } from './waiting-room/port.js';
import { COUNTED_KEY_SCRIPTS as queueCountedKeys, createRedisWaitingRoom } from './waiting-room/redis.js';
import { createMemoryWaitlist } from './waitlist/memory.js';
import type { Waitlist } from './waitlist/port.js';
import { createRedisWaitlist } from './waitlist/redis.js';

/** What every engine is besides its capabilities: which adapter, whether it answers, and its end. */
export interface EngineConnection {
  readonly kind: 'memory' | 'redis';
  /** Resolves when the engine answers; rejects when it is unreachable (readiness probe). */
  ping(): Promise<void>;
  /** Releases connections and timers; the engine must not be used afterwards. */
  close(): Promise<void>;
}

/**
 * The engine: everything hot and shared between Tmomi nodes (waiting rooms, the seat-hold gate,
 * availability bitsets, the waiting list's marks, rate limits, the leader lease, notifications), one
 * port per capability, each with two adapters of the same semantics — in-process memory (one node) and
 * Redis (many nodes) — held to the capability's contract suite (its `contract.test.ts`). The engine
 * makes things fast; PostgreSQL decides (DESIGN.md, principle 1). Services take only the ports they use;
 * the composition root builds one engine and hands it to each.
 *
 * Every method is atomic on its own. Keys of one performance share a `{perf:ID}` hash tag so that a
 * Redis Cluster keeps them on one shard. When the engine is unreachable, calls reject within seconds;
 * they never hang.
 */
export interface Engine
  extends EngineConnection, WaitingRoom, HoldGate, Availability, Coordination, Waitlist {}

/** The memory engine unless a Redis URL is given (the scaled mode). */
export async function createEngine(opts: {
  redisUrl?: string | undefined;
  keyPrefix?: string;
  joinWaitMs?: number | undefined;
}): Promise<Engine> {
  if (!opts.redisUrl) return createMemoryEngine();
  return createRedisEngine({ url: opts.redisUrl, keyPrefix: opts.keyPrefix, joinWaitMs: opts.joinWaitMs });
}

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
  const coordination = createMemoryCoordination(clock);
  const waitingRoom = createMemoryWaitingRoom(coordination.hitWindow, clock);
  const availability = createMemoryAvailability(clock);
  const holdGate = createMemoryHoldGate(clock, availability.shownFree, coordination.hitWindow);
  const waitlist = createMemoryWaitlist(clock);

  const sweep = setInterval(() => {
    const now = clock.now();
    coordination.forgetExpired(now);
    waitingRoom.forgetExpired(now);
    availability.forgetExpired(now);
    holdGate.forgetExpired(now);
    waitlist.forgetExpired(now);
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    ...waitingRoom.ops,
    ...availability.ops,
    ...holdGate.ops,
    ...waitlist.ops,
    ...coordination.ops,
    kind: 'memory',
    ping: async () => undefined,
    close: async () => {
      clearInterval(sweep);
      coordination.clear();
    },
  };
}

/**
 * The multi-node engine on Redis ≥ 7 (or Valkey): one server, or a Redis Cluster when `url` is
 * `redis+cluster://…` (redis-target.ts). `keyPrefix` namespaces every key and channel, so several Tmomi
 * installations — or parallel test runs — can share one server.
 */
export async function createRedisEngine(opts: {
  url: string;
  keyPrefix?: string | undefined;
  /**
   * More than 0: a batch of joins is answered only once a replica has it too (`WAIT 1 joinWaitMs`), so
   * that a failover loses no place a buyer was told of (docs/decisions/037). 0: answered at once.
   */
  joinWaitMs?: number | undefined;
}): Promise<Engine> {
  const prefix = opts.keyPrefix ?? '';
  const target = parseRedisUrl(opts.url);
  // A brace in the prefix would become the hash tag of every key, putting them all in one slot.
  if (target.cluster && /[{}]/.test(prefix)) throw new Error(`the Redis key prefix "${prefix}" has { or }`);
  const redis = openRedis(
    target,
    {
      ...CONNECTION_OPTIONS,
      keyPrefix: prefix,
      // Commands issued in the same event-loop turn (the joins or hold gates of many requests at once) go
      // out in one write and come back in one read: under load a syscall pair per command cost more CPU
      // than the commands themselves (bench/queue, bench/booking). On a cluster, one write per shard.
      // The subscriber only subscribes.
      enableAutoPipelining: true,
    },
    {
      ...CLUSTER_OPTIONS,
      autoPipeliningIgnoredCommands: [...queueCountedKeys, ...gateCountedKeys],
      // Without a cluster to send it to (every node out of reach), a command fails at once rather than
      // waiting, unbounded, for the cluster to come back; so does one for a shard whose connection is
      // being opened again, which happens only in a failover, when such calls fail anyway.
      enableOfflineQueue: false,
    },
  );
  const coordination = createRedisCoordination(redis, { target, prefix });
  const engine: Engine = {
    ...createRedisWaitingRoom(redis, { joinWaitMs: opts.joinWaitMs ?? 0 }),
    ...createRedisAvailability(redis),
    ...createRedisHoldGate(redis),
    ...createRedisWaitlist(redis),
    ...coordination.ops,
    kind: 'redis',
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await Promise.all([quit(redis), coordination.close()]);
    },
  };
  await connectChecked(redis, target);
  return engine;
}
