/**
 * How long a version counter (the availability bitset's, the hold gate's) outlives its last change.
 * A missing version restarts at the clock, so an expired one restarts above every value it had, as
 * after a Redis wipe — unless it had run more than this far ahead of the clock, which would take one
 * flip per millisecond for the whole span (86 million for a day). Keeping it longer than the bitset
 * and the gate it guards makes that margin, not the performance's dates, what protects the ETags;
 * docs/decisions/008-engine-key-expiry.md.
 */
export const VERSION_TTL_MS = 24 * 60 * 60_000;

/**
 * Availability bitsets (DESIGN.md, "Availability"): per performance, bit j (least significant first) of
 * byte i is seat 8*i+j, 1 = available. PostgreSQL is the truth; the engine keeps a copy that every
 * hold, release and sale flips, so that a 50,000-seat map costs a few kilobytes and one read.
 *
 * The version moves on every flip, whether or not the bitset is present. A rebuild reads the version,
 * then PostgreSQL, then stores its bitset only if the version has not moved meanwhile — so a flip that
 * committed during the rebuild can never be overwritten by the rebuild's older picture. A missing
 * version starts from the current time in ms, so versions after a Redis wipe are still larger than any
 * before it and a client's old ETag can never match a different bitset. The bitset expires after the
 * `ttlMs` it was stored with; the version VERSION_TTL_MS after it last moved or was created.
 */
export interface Availability {
  /** The stored bitset (null when missing) and the current version. */
  availabilityRead(perf: string, now: number): Promise<{ version: number; bits: Buffer | null }>;
  /** Stores a rebuilt bitset if the version is still `version` and none is stored; true when stored. */
  availabilityStore(perf: string, bits: Buffer, version: number, ttlMs: number): Promise<boolean>;
  /** Marks seats available or not, bumps the version, and returns it. */
  availabilityFlip(
    perf: string,
    seatNos: readonly number[],
    available: boolean,
    now: number,
  ): Promise<number>;
}
