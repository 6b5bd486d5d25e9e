/**
 * How long a gate mark is believed on its own. Marks are made before PostgreSQL places the hold, so a
 * node that dies in between leaves marks on seats that PostgreSQL and the seat map show free; believed
 * until the hold's expiry, they would block those seats for its whole TTL (5 minutes by default). A
 * hold that PostgreSQL placed has its seats flipped to taken on the seat map right after, so past this
 * time a mark stands only while the map shows its seat taken (or there is no map). The acquire reads
 * the map, under the same hash tag, so that no call of its own has to confirm a mark (one did, and
 * cost throughput: docs/decisions/005-booking-gate-arbiter-settlement.md has the story and the
 * figures). PostgreSQL takes this long only when in trouble, and then the gate is merely more
 * permissive for a while: PostgreSQL still refuses.
 */
export const GATE_PROVISIONAL_MS = 10_000;

/**
 * The seat-hold gate (DESIGN.md, "Seat holds and booking"): per performance, which seats are held (by
 * which hold, until when) or sold, and how many seats each buyer has held or bought. A hold request
 * checks and marks all its seats and the buyer's cap in one atomic step, so that of 10,000 requests for
 * one seat, 9,999 are turned away here in microseconds and only one reaches PostgreSQL — which still
 * decides, with a conditional update that must touch every seat.
 *
 * The gate may be more permissive than PostgreSQL (then PostgreSQL refuses), never more restrictive
 * for long: a hold's mark lapses at the hold's expiry, or GATE_PROVISIONAL_MS after it is made if the
 * seat map (the availability bitset) still shows the seat free; and the whole gate is rebuilt from
 * PostgreSQL when it is missing (first use, after a Redis wipe) and every `ttlMs` of `gateLoad`. A
 * rebuild is refused when a release or unsell ran since its `gateVersion` was read, so a stale picture
 * never revives a freed seat. A rebuild's marks expire twice its `ttlMs` after it; the version
 * VERSION_TTL_MS after it last moved or was created (availability/port.ts says why that is safe).
 */
export interface HoldGate {
  /**
   * Marks every seat of the hold and adds it to the buyer's count, if no seat is held (unexpired) or
   * sold and the buyer stays within `cap`; otherwise changes nothing. Past `now` + GATE_PROVISIONAL_MS
   * the marks and the count stand only while the seat map shows the seats taken. `unloaded`: the gate
   * must be rebuilt first (the caller may go straight to PostgreSQL meanwhile).
   */
  gateAcquire(perf: string, hold: GateHold, cap: number, now: number): Promise<GateAcquireResult>;
  /**
   * `gateAcquire` for several holds in one atomic step: each decided in order, all-or-nothing on its
   * own, exactly as the same calls one after another at `now` (a later hold sees the marks and counts
   * of the earlier ones). One result per request, in order; `unloaded` when the gate must be rebuilt.
   * A request with a `limit` first counts one hit in its buyer's window for the performance (a fixed
   * window, as `hitRateLimit`), even when the gate is unloaded; over the limit it is `limited` and
   * nothing else happens.
   */
  gateAcquireMany(perf: string, requests: readonly GateRequest[], now: number): Promise<GateAcquireResult[]>;
  /** Unmarks the hold's seats (those still marked by it) and drops it from the buyer's count. */
  gateRelease(perf: string, hold: GateHoldRef, now: number): Promise<void>;
  /** The hold's seats become sold (counted for the buyer as bought). */
  gateSell(perf: string, hold: GateHoldRef): Promise<void>;
  /** `gateSell` for several holds in one atomic step, in order. */
  gateSellMany(perf: string, holds: readonly GateHoldRef[]): Promise<void>;
  /** Sold seats become free again (a refunded order), and leave the buyer's count. */
  gateUnsell(perf: string, userId: string, seatNos: readonly number[], now: number): Promise<void>;
  /** The version a rebuild must read before reading PostgreSQL; a missing one starts at `now`. */
  gateVersion(perf: string, now: number): Promise<number>;
  /** Replaces the gate with `snapshot` if the version is still `version`; true when stored. */
  gateLoad(perf: string, snapshot: GateSnapshot, version: number, ttlMs: number): Promise<boolean>;
}

export interface GateHoldRef {
  holdId: string;
  userId: string;
  seatNos: readonly number[];
}

export interface GateHold extends GateHoldRef {
  /** Epoch ms after which the hold's seats are free again, here as in PostgreSQL. */
  expiresAt: number;
}

/** One hold asking the gate, with its buyer's cap, and the rate limit it counts against, if any. */
export interface GateRequest {
  hold: GateHold;
  cap: number;
  limit?: { max: number; windowMs: number };
}

export type GateAcquireResult =
  | { outcome: 'held' }
  | { outcome: 'taken'; seatNos: number[] }
  | { outcome: 'limit'; count: number }
  /** Over the buyer's rate limit: the window resets in `retryAfterMs`. */
  | { outcome: 'limited'; retryAfterMs: number }
  | { outcome: 'unloaded' };

/** What PostgreSQL says is held (unexpired) or sold, for a rebuild. */
export interface GateSnapshot {
  holds: GateHold[];
  sold: { userId: string; seatNos: number[] }[];
}
