import type { Clock } from '../../platform/clock.js';
import { markEnds, type Waitlist, type WaitlistMark } from './port.js';

/**
 * Waiting-list marks for the memory engine: per performance, each buyer's mark. Every call completes
 * without awaiting, hence atomic. A mark past its instant is gone for the reader at once, and from
 * memory on the next write of that buyer or the engine's sweep.
 */
export function createMemoryWaitlist(clock: Clock): { ops: Waitlist; forgetExpired(now: number): void } {
  const marks = new Map<string, Map<string, WaitlistMark>>();
  const live = (perf: string, userId: string, now: number): WaitlistMark | undefined => {
    const mark = marks.get(perf)?.get(userId);
    return mark && markEnds(mark) > now ? mark : undefined;
  };
  const put = (perf: string, userId: string, mark: WaitlistMark) => {
    let own = marks.get(perf);
    if (!own) marks.set(perf, (own = new Map<string, WaitlistMark>()));
    // Stored as a copy, as Redis stores text: the caller's object may change afterwards.
    own.set(userId, structuredClone(mark));
  };
  const remove = (perf: string, userId: string) => {
    const own = marks.get(perf);
    own?.delete(userId);
    if (own?.size === 0) marks.delete(perf);
  };

  const ops: Waitlist = {
    waitlistWaiting: async (perf, userId, until, now) => {
      if (live(perf, userId, now)) return false;
      if (until <= now) return false; // as Redis's SET … PXAT in the past, which keeps nothing
      put(perf, userId, { state: 'waiting', until });
      return true;
    },
    waitlistOffered: async (perf, userId, offer) => {
      if (offer.expiresAt <= clock.now()) remove(perf, userId);
      else put(perf, userId, { state: 'offered', offer });
    },
    waitlistEnd: async (perf, userId, holdId) => {
      const mark = live(perf, userId, clock.now());
      if (!mark) return false;
      const said = mark.state === 'waiting' ? null : mark.offer.holdId;
      if (said !== holdId) return false;
      remove(perf, userId);
      return true;
    },
    waitlistRead: async (perf, userIds, now) =>
      userIds.map((userId) => {
        const mark = live(perf, userId, now);
        return mark ? structuredClone(mark) : null;
      }),
  };
  return {
    ops,
    forgetExpired: (now) => {
      for (const [perf, own] of marks) {
        for (const [userId, mark] of own) if (markEnds(mark) <= now) own.delete(userId);
        if (own.size === 0) marks.delete(perf);
      }
    },
  };
}
