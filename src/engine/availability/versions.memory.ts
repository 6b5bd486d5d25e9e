import type { Clock } from '../../platform/clock.js';
import { VERSION_TTL_MS } from './port.js';

/**
 * Version counters for the memory engine (the availability bitset's, the hold gate's), kept as
 * `versionLua` keeps them in Redis: a missing one starts at `now` (ms), and creating or moving one keeps
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
