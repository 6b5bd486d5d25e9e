import type { Redis } from 'ioredis';
import { VERSION_TTL_MS, type Availability } from './port.js';

// KEYS: 1 bits (STRING) · 2 version (STRING), both under the performance's {perf:ID} tag.
// Redis numbers bits most-significant first within a byte; DESIGN.md numbers them least-significant
// first, so seat s lives at bit offset (s - s%8) + (7 - s%8). GET then returns bytes in DESIGN order.
/**
 * Lua for a version counter at `key` (the availability bitset's, the hold gate's): `version(now)` reads
 * it, starting a missing one at `now` (ms) so that versions after a Redis wipe are still larger than
 * any before it; `bump(now)` moves it on by one and returns the new value. Creating or moving it sets
 * its expiry to VERSION_TTL_MS later (availability.ts says why that is safe).
 */
export const versionLua = (key: string) => `
local function version(now)
  local v = redis.call('GET', ${key})
  if not v then
    redis.call('SET', ${key}, now, 'PX', ${VERSION_TTL_MS})
    return tonumber(now)
  end
  return tonumber(v)
end
local function bump(now)
  local next = version(now) + 1
  redis.call('SET', ${key}, string.format('%d', next), 'PX', ${VERSION_TTL_MS})
  return next
end
`;
const VERSION = versionLua('KEYS[2]');
/** The bitset's key; the hold gate reads it too (hold-gate.redis.ts). */
export const availabilityBitsKey = (perf: string) => `{perf:${perf}}:av:bits`;

const SCRIPTS = {
  // ARGV: now
  availabilityReadScript: `${VERSION}
    return { version(ARGV[1]), redis.call('GET', KEYS[1]) }`,
  // ARGV: bits, version, ttlMs
  availabilityStoreScript: `
    if redis.call('GET', KEYS[2]) ~= ARGV[2] or redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
    return 1`,
  // ARGV: available (0|1), now, seat…
  availabilityFlipScript: `${VERSION}
    local next = bump(ARGV[2])
    local length = redis.call('STRLEN', KEYS[1]) * 8
    if length > 0 then
      local bit = tonumber(ARGV[1])
      for i = 3, #ARGV do
        local seat = tonumber(ARGV[i])
        if seat < length then
          local r = seat % 8
          redis.call('SETBIT', KEYS[1], seat - r + 7 - r, bit)
        end
      end
    end
    return next`,
} as const;

type Run = (...args: (string | number | Buffer)[]) => Promise<unknown>;

export function createRedisAvailability(redis: Redis): Availability {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 2, lua });
  const commands = redis as unknown as Record<string, Run>;
  const keys = (perf: string) => [availabilityBitsKey(perf), `{perf:${perf}}:av:ver`];
  return {
    availabilityRead: async (perf, now) => {
      // The Buffer variant, so the bitset's bytes are not mangled by UTF-8 decoding.
      const [version, bits] = (await commands.availabilityReadScriptBuffer!(...keys(perf), now)) as [
        number,
        Buffer | null,
      ];
      return { version: Number(version), bits };
    },
    availabilityStore: async (perf, bits, version, ttlMs) =>
      (await commands.availabilityStoreScript!(...keys(perf), bits, version, ttlMs)) === 1,
    availabilityFlip: async (perf, seatNos, available, now) =>
      Number(await commands.availabilityFlipScript!(...keys(perf), available ? 1 : 0, now, ...seatNos)),
  };
}
