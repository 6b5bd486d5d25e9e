import type { AvailabilityOps } from './availability.js';
import type { WaitingRoomOps } from './waiting-room.js';

/**
 * The engine: everything hot and shared between Tmomi nodes (waiting rooms, the seat-hold gate,
 * availability bitsets, rate limits, the leader lease, notifications). One port, two adapters with the
 * same semantics — in-process memory (one node) and Redis (many nodes) — held to one contract suite
 * (engine.contract.test.ts). The engine makes things fast; PostgreSQL decides (DESIGN.md, principle 1).
 *
 * Every method is atomic on its own. Keys are plain strings chosen by the caller; keys of one
 * performance share a `{perf:ID}` hash tag so that a Redis Cluster keeps them on one shard.
 */
export interface Engine extends WaitingRoomOps, AvailabilityOps {
  readonly kind: 'memory' | 'redis';

  /** Resolves when the engine answers; rejects when it is unreachable (readiness probe). */
  ping(): Promise<void>;

  /** Adds `by` (default 1) and returns the new value. `ttlMs` is set when the counter is created, never extended. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** The counter's value; 0 when missing or expired. */
  getCounter(key: string): Promise<number>;

  /** Adds a member; true when it was not there. `ttlMs` (re)sets the whole set's expiry on every add. */
  setAdd(key: string, member: string, ttlMs?: number): Promise<boolean>;
  /** Removes a member; true when it was there. */
  setRemove(key: string, member: string): Promise<boolean>;
  setHas(key: string, member: string): Promise<boolean>;
  setSize(key: string): Promise<number>;

  /** Removes a key of any kind. */
  del(key: string): Promise<void>;

  /**
   * Takes the lease `name` for `holder` if it is free or expired, or renews it if `holder` already has
   * it; false when someone else holds it. At most one holder at any moment, across all nodes.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, only if `holder` has it (so a late release never frees someone else's lease). */
  releaseLease(name: string, holder: string): Promise<boolean>;
  leaseHolder(name: string): Promise<string | null>;

  /** Delivers `message` to every subscriber of `channel` on every node, asynchronously, at most once. */
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;

  /** Counts one hit in the current fixed window of `windowMs` for `key`; allowed while hits ≤ limit. */
  hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;

  close(): Promise<void>;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Hits left in this window. */
  remaining: number;
  /** Until the window resets (meaningful when not allowed). */
  retryAfterMs: number;
}
