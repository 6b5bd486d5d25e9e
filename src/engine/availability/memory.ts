import type { Clock } from '../../platform/clock.js';
import { isFree, setFree } from '../../contract/bitset.js';
import { VERSION_TTL_MS, type Availability } from './port.js';

/**
 * Version counters for the memory engine (the availability bitset's, the hold gate's), kept as
 * version.lib.lua keeps them in Redis: a missing one starts at `now` (ms), and creating or moving one keeps
 * it for VERSION_TTL_MS more. Synchronous, so each call is atomic.
 */
export function createMemoryVersions(clock: Clock) {
  const versions = new Map<string, { value: number; until: number }>();
  /** The version if it exists and has not expired; never creates one. */
  const live = (perf: string): number | undefined => {
    const v = versions.get(perf);
    return v && v.until > clock.now() ? v.value : undefined;
  };
  const set = (perf: string, value: number) => {
    versions.set(perf, { value, until: clock.now() + VERSION_TTL_MS });
    return value;
  };
  const version = (perf: string, now: number) => live(perf) ?? set(perf, now);
  return {
    live,
    version,
    /** Moves the version on by one (starting a missing one at `now` first) and returns the new value. */
    bump: (perf: string, now: number) => set(perf, version(perf, now) + 1),
    forgetExpired: (now: number) => {
      for (const [perf, v] of versions) if (v.until <= now) versions.delete(perf);
    },
  };
}

/**
 * Bitsets for the memory engine; every call completes without awaiting, hence atomic. The version and
 * the bitset expire separately, as their two keys do in Redis.
 */
export function createMemoryAvailability(clock: Clock): {
  ops: Availability;
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
  const ops: Availability = {
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
        for (const seat of seatNos) setFree(bits, seat, available);
      }
      return versions.bump(perf, now);
    },
  };
  const shownFree = (perf: string, seat: number) => {
    const bits = liveBits(perf);
    return bits ? isFree(bits, seat) : undefined;
  };
  return { ops, forgetExpired, shownFree };
}
