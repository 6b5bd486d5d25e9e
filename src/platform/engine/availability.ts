/**
 * Availability bitsets (DESIGN.md, "Availability"): per performance, bit j (least significant first) of
 * byte i is seat 8*i+j, 1 = available. PostgreSQL is the truth; the engine keeps a copy that every
 * hold, release and sale flips, so that a 50,000-seat map costs a few kilobytes and one read.
 *
 * The version moves on every flip, whether or not the bitset is present. A rebuild reads the version,
 * then PostgreSQL, then stores its bitset only if the version has not moved meanwhile — so a flip that
 * committed during the rebuild can never be overwritten by the rebuild's older picture. A missing
 * version starts from the current time in ms, so versions after a Redis wipe are still larger than any
 * before it and a client's old ETag can never match a different bitset.
 */
export interface AvailabilityOps {
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
