import type { Clock } from '../../platform/clock.js';
import type { RateLimitResult } from '../coordination/port.js';
import { queueJoinWindowKey } from '../keys.js';
import { Queue } from './memory-queue.js';
import { restoreQueue } from './memory-restore.js';
import type { AdmitResult, JoinOptions, JoinResult, WaitingRoom } from './port.js';
import { encodeAdmitted, encodeState, isFinished, NO_QUEUE_STATS, seqOf, STATE_TAG, tagOf } from './state.js';

/**
 * The memory engine's waiting rooms. Each operation runs to completion without awaiting, which makes
 * it atomic on a single node, as each Lua script is in Redis. A queue past its `until` is gone: lazily
 * on access, and from memory when the engine sweeps (`forgetExpired`).
 */
export function createMemoryWaitingRoom(
  /** The engine's own fixed-window counter, synchronous so that a join counts and joins in one step. */
  hitRateLimit: (key: string, limit: number, windowMs: number) => RateLimitResult,
  clock: Clock,
): { ops: WaitingRoom; forgetExpired(now: number): void } {
  const queues = new Map<string, Queue>();
  const found = (perf: string): Queue | undefined => {
    const q = queues.get(perf);
    if (q && q.until <= clock.now()) {
      queues.delete(perf);
      return undefined;
    }
    return q;
  };
  /** The queue, created if missing, as a Redis script creates keys by writing them. */
  const queue = (perf: string, until: number): Queue => {
    let q = found(perf);
    if (!q) queues.set(perf, (q = new Queue(until)));
    return q;
  };
  const forgetExpired = (now: number) => {
    for (const [perf, q] of queues) if (q.until <= now) queues.delete(perf);
  };

  /** One join, synchronous, so that queueJoinMany is the same joins one after another in one step. */
  const join = (perf: string, userId: string, { now, open, limit, until }: JoinOptions): JoinResult => {
    if (limit) {
      // The same key as in Redis, so both adapters keep one window per user and queue.
      const window = hitRateLimit(queueJoinWindowKey(perf, userId), limit.max, limit.windowMs);
      if (!window.allowed) return { outcome: 'limited', retryAfterMs: window.retryAfterMs };
    }
    const q = queue(perf, until);
    if (q.closed !== null) return { outcome: 'closed', reason: q.closed };
    if (open && !q.opened) {
      q.seal();
      q.until = until;
    }
    const existing = q.entry(userId, now);
    if (existing && !isFinished(existing.state)) {
      q.seen.set(userId, now);
      return { outcome: 'joined', entry: existing };
    }
    const seq = ++q.seq;
    if (q.opened) {
      q.states.set(userId, encodeState('waiting', seq));
      q.enqueue(userId);
    } else {
      q.states.set(userId, encodeState('prequeue', seq));
      q.pre.add(userId);
      q.prequeued++;
    }
    q.seen.set(userId, now);
    q.version++;
    q.until = until;
    return { outcome: 'joined', entry: q.entry(userId, now)! };
  };

  const ops: WaitingRoom = {
    queueJoin: async (perf, userId, opts) => join(perf, userId, opts),
    queueJoinMany: async (perf, userIds, opts) => userIds.map((userId) => join(perf, userId, opts)),

    queueSeal: async (perf, until) => {
      const q = queue(perf, until);
      if (!q.opened) {
        q.seal();
        q.until = until;
      }
      return [...q.pre];
    },

    queueDraw: async (perf, userIds, now, until, absent = 'enter') => {
      const q = queue(perf, until);
      if (q.drawn) return null;
      const placed = q.draw(userIds, now, absent === 'enter');
      q.until = until;
      return placed;
    },

    queueStatus: async (perf, userId, now) => found(perf)?.entry(userId, now) ?? null,

    queueObserve: async (perf, userIds, now) => {
      const q = found(perf);
      return userIds.map((userId) => {
        const entry = q?.entry(userId, now) ?? null;
        if (q && (entry?.state === 'waiting' || entry?.state === 'prequeue')) q.seen.set(userId, now);
        return entry;
      });
    },

    queueTouch: async (perf, userId, now) => {
      const q = found(perf);
      const raw = q?.states.get(userId);
      if (!q || !raw || !(tagOf(raw) === STATE_TAG.waiting || tagOf(raw) === STATE_TAG.prequeue))
        return false;
      q.seen.set(userId, now);
      return true;
    },

    queueLeave: async (perf, userId, now) => {
      const q = found(perf);
      const raw = q?.states.get(userId);
      if (!q || raw === undefined) return false;
      // Only a pre-queue, waiting or admitted entry can leave (an admitted one gives its pass up).
      const tag = tagOf(raw);
      if (tag !== STATE_TAG.prequeue && tag !== STATE_TAG.waiting && tag !== STATE_TAG.admitted) return false;
      q.pre.delete(userId);
      // As leave.lua: a pass that had run out was not given up, and one still unswept (its holder may
      // have joined again since) is counted as expired now, once, as the sweep would have.
      const expiresAt = q.active.get(userId);
      const givenUp = tag === STATE_TAG.admitted && expiresAt !== undefined && expiresAt > now;
      if (tag !== STATE_TAG.admitted || givenUp) q.left++;
      if (expiresAt !== undefined && !givenUp) q.passesExpired++;
      q.dequeue(userId);
      q.active.delete(userId);
      q.states.set(userId, encodeState('left', seqOf(raw)));
      q.version++;
      return true;
    },

    queueAdmit: async (perf, opts): Promise<AdmitResult> => {
      const q = found(perf);
      const result: AdmitResult = { admitted: [], skipped: 0 };
      // Nobody to admit in a queue that does not exist, and nothing created for it (as in Redis); nor
      // before a sealed pre-queue is placed, since its users go ahead of everyone waiting; nor during a
      // restore (memory-restore.ts).
      if (!q || q.closed !== null || q.paused === true || q.pre.size > 0 || q.restoring) return result;
      q.expirePasses(opts.now);
      const quota = Math.max(0, Math.min(opts.max, opts.maxActive - q.active.size));
      while (result.admitted.length < quota && q.head < q.order.length) {
        const slot = q.head++;
        if (!q.slots.isLive(slot)) continue;
        const userId = q.order[slot]!;
        q.dequeue(userId);
        const seq = Number(seqOf(q.states.get(userId)!));
        if ((q.seen.get(userId) ?? 0) < opts.staleBefore) {
          q.states.set(userId, encodeState('expired', seq));
          result.skipped++;
          continue;
        }
        const expiresAt = opts.now + opts.passTtlMs;
        q.states.set(userId, encodeAdmitted(seq, expiresAt));
        q.active.set(userId, expiresAt);
        result.admitted.push({ userId, passId: seq, expiresAt });
      }
      if (result.admitted.length > 0 || result.skipped > 0) {
        q.admittedTotal += result.admitted.length;
        q.version++;
        q.until = opts.until;
      }
      return result;
    },

    queueClose: async (perf, reason, until) => {
      if ((found(perf)?.closed ?? null) === reason) return false;
      const q = queue(perf, until);
      q.closed = reason;
      q.version++;
      q.until = until;
      return true;
    },

    queuePause: async (perf, paused, until, onlyIfUnset = false) => {
      const was = found(perf)?.paused ?? null;
      if (onlyIfUnset && was !== null) return false;
      const q = queue(perf, until);
      q.paused = paused;
      q.until = until;
      if ((was === true) === paused) return false;
      q.version++;
      return true;
    },

    queuePassActive: async (perf, userId, passId, now) => {
      const entry = found(perf)?.entry(userId, now);
      return entry?.state === 'admitted' && entry.pass?.passId === passId;
    },

    queueConsumePass: async (perf, userId, passId, now) => {
      const q = found(perf);
      const entry = q?.entry(userId, now);
      if (!q || entry?.state !== 'admitted' || entry.pass?.passId !== passId) return false;
      q.states.set(userId, encodeState('consumed', passId));
      q.active.delete(userId);
      q.version++;
      return true;
    },

    queueRestore: async (perf, record, now, until, opts = {}) => {
      const had = found(perf);
      const lost = record.seq > (had?.seq ?? 0) || record.admittedTotal > (had?.admittedTotal ?? 0);
      if (!lost && !had?.restoring) return null;
      const q = queue(perf, until);
      q.until = until;
      return restoreQueue(q, record, now, opts);
    },

    queueStats: async (perf, now) => {
      const q = found(perf);
      if (!q) return { ...NO_QUEUE_STATS };
      q.expirePasses(now);
      const waiting = q.slots.countBefore(q.order.length) + q.pre.size;
      return {
        waiting,
        active: q.active.size,
        admittedTotal: q.admittedTotal,
        joined: q.seq,
        prequeued: q.prequeued,
        left: q.left,
        passesExpired: q.passesExpired,
        version: q.version,
        opened: q.opened,
        closed: q.closed,
        paused: q.paused === true,
        restoring: q.restoring !== null,
      };
    },
  };
  return { ops, forgetExpired };
}
