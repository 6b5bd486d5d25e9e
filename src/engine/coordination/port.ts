/**
 * What nodes share besides a performance's sale: counters, sets, leases, rate limits and pub/sub, under
 * keys the caller names (from src/engine/keys.ts). A ttl that is omitted or not positive means "no
 * expiry".
 */
export interface Coordination extends Counters, Sets, Leases, PubSub, RateLimits, Claims {
  /** Removes a key of any kind. */
  del(key: string): Promise<void>;
}

export interface Counters {
  /** Adds `by` (an integer, default 1); returns the new value. `ttlMs` applies only if this creates it. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** The counter's value; 0 when missing or expired. */
  getCounter(key: string): Promise<number>;
}

export interface Sets {
  /** Adds a member; true when it was not there. `ttlMs` (re)sets the whole set's expiry on every add. */
  setAdd(key: string, member: string, ttlMs?: number): Promise<boolean>;
  /** Removes a member; true when it was there. */
  setRemove(key: string, member: string): Promise<boolean>;
  /** Whether `member` is in the set; false when the set is missing or expired. */
  setHas(key: string, member: string): Promise<boolean>;
  /** The number of members; 0 when the set is missing or expired. */
  setSize(key: string): Promise<number>;
}

export interface Claims {
  /**
   * Takes `key` for `ttlMs` (> 0) if nobody has: true for exactly one caller across all nodes until it
   * expires, false for every other (a SET NX PX). Nothing renews it; it is for "once only" marks, such
   * as a spent proof-of-work challenge.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
}

export interface Leases {
  /**
   * Takes the lease `name` for `holder` if it is free or expired, or renews it for `ttlMs` (> 0) more if
   * `holder` already has it; false when someone else holds it. At most one holder at any moment, across
   * all nodes. The lease runs from when the engine saw the call, so a caller counts from before it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, only if `holder` has it (so a late release never frees someone else's lease). */
  releaseLease(name: string, holder: string): Promise<boolean>;
  /** Who holds the lease now; null when free or expired. */
  leaseHolder(name: string): Promise<string | null>;
}

export interface PubSub {
  /**
   * Delivers `message` to every current subscriber of `channel` on every node: later, never inside
   * publish(); in publish order; at most once (a subscriber that is disconnected misses it).
   */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Resolves once messages are being received; the returned function unsubscribes, after which nothing
   * more arrives. A handler that throws is a bug: other handlers still get the message, and the error
   * surfaces as an uncaught exception.
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

export interface RateLimits {
  /**
   * Counts one hit in `key`'s fixed window, which starts with its first hit and lasts `windowMs`;
   * allowed while hits ≤ limit.
   */
  hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Hits left in this window. */
  remaining: number;
  /** Until the window resets (meaningful when not allowed). */
  retryAfterMs: number;
}
