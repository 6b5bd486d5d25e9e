import type { RedisConnection } from '../redis-target.js';
import { availabilityKey } from '../keys.js';
import { defineScripts, loadScripts } from '../redis-client.js';
import type { Availability } from './port.js';

// KEYS: 1 bits (STRING) · 2 version (STRING), both under the performance's {perf:ID} tag.
const SCRIPTS = loadScripts(
  import.meta.url,
  {
    availabilityReadScript: ['version.lib.lua', 'read.lua'],
    availabilityStoreScript: ['store.lua'],
    availabilityFlipScript: ['version.lib.lua', 'flip.lua'],
  },
  2,
);

type Run = (...args: (string | number | Buffer)[]) => Promise<unknown>;

export function createRedisAvailability(redis: RedisConnection): Availability {
  defineScripts(redis, SCRIPTS);
  const commands = redis as unknown as Record<string, Run>;
  // The hold gate's scripts read the bitset too (hold-gate/redis.ts).
  const keys = (perf: string) => [availabilityKey(perf, 'bits'), availabilityKey(perf, 'ver')];
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
