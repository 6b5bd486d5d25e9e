import type { RedisConnection } from '../redis-target.js';
import { waitlistKey } from '../keys.js';
import { defineScripts, loadScripts } from '../redis-client.js';
import { markEnds, type Waitlist, type WaitlistMark } from './port.js';

// KEYS: 1 the buyer's mark (a STRING: the mark as JSON, expiring at its instant), under {perf:ID}.
const SCRIPTS = loadScripts(
  import.meta.url,
  { waitlistWaitingScript: ['waiting.lua'], waitlistEndScript: ['end.lua'] },
  1,
);

type Run = (...args: (string | number)[]) => Promise<number>;

export function createRedisWaitlist(redis: RedisConnection): Waitlist {
  defineScripts(redis, SCRIPTS);
  const scripts = redis as unknown as Record<keyof typeof SCRIPTS, Run>;
  return {
    waitlistWaiting: async (perf, userId, until, now) => {
      const mark: WaitlistMark = { state: 'waiting', until };
      const key = waitlistKey(perf, userId);
      return (await scripts.waitlistWaitingScript(key, JSON.stringify(mark), until, now)) === 1;
    },
    waitlistOffered: async (perf, userId, offer) => {
      const mark: WaitlistMark = { state: 'offered', offer };
      // An instant already past keeps nothing (Redis deletes the key), as the memory adapter does.
      await redis.set(waitlistKey(perf, userId), JSON.stringify(mark), 'PXAT', offer.expiresAt);
    },
    waitlistEnd: async (perf, userId, holdId) =>
      (await scripts.waitlistEndScript(waitlistKey(perf, userId), holdId ?? '')) === 1,
    waitlistRead: async (perf, userIds, now) => {
      if (userIds.length === 0) return [];
      // One slot (the performance's hash tag), so one MGET serves a whole batch of streams.
      const raws = await redis.mget(userIds.map((userId) => waitlistKey(perf, userId)));
      return raws.map((raw) => {
        if (raw === null) return null;
        const mark = JSON.parse(raw) as WaitlistMark;
        return markEnds(mark) > now ? mark : null;
      });
    },
  };
}
