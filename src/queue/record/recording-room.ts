import type { WaitingRoom } from '../../engine/waiting-room/port.js';
import type { Logger } from '../../platform/logger.js';
import type { QueueRecorder } from './recorder.js';

/**
 * The engine as the waiting room's services see it, with every fact the record keeps handed to the
 * recorder once the engine has answered (decision 038): joins, admissions, draws, uses and leaves. The
 * answer is returned as the engine gave it, without waiting for the record.
 */
export function recordingRoom<E extends WaitingRoom>(
  engine: E,
  recorder: Pick<QueueRecorder, 'joined' | 'admitted' | 'ended' | 'drawn' | 'track'>,
  logger: Logger,
): E {
  return {
    ...engine,
    queueJoin: async (perf, userId, opts) => {
      const result = await engine.queueJoin(perf, userId, opts);
      recorder.joined(perf, [userId], [result]);
      return result;
    },
    queueJoinMany: async (perf, userIds, opts) => {
      const results = await engine.queueJoinMany(perf, userIds, opts);
      recorder.joined(perf, userIds, results);
      return results;
    },
    queueAdmit: async (perf, opts) => {
      const result = await engine.queueAdmit(perf, opts);
      recorder.admitted(perf, result.admitted);
      return result;
    },
    queueDraw: async (perf, userIds, now, until, absent) => {
      const placed = await engine.queueDraw(perf, userIds, now, until, absent);
      if (placed !== null) void recorder.drawn(perf, userIds, now);
      return placed;
    },
    queueConsumePass: async (perf, userId, passId, now) => {
      const used = await engine.queueConsumePass(perf, userId, passId, now);
      if (used) recorder.ended(perf, userId, passId, 'consumed');
      return used;
    },
    queueLeave: async (perf, userId, now) => {
      const left = await engine.queueLeave(perf, userId, now);
      // The leave's sequence, read after it (leaving is rare; the join is what must stay one call).
      // Tracked, so that a shutdown's flush waits for it.
      if (left)
        void recorder.track(
          engine
            .queueStatus(perf, userId, now)
            .then((entry) => entry?.state === 'left' && recorder.ended(perf, userId, entry.seq, 'left'))
            .catch((err: unknown) => logger.warn({ err, performanceId: perf }, 'leave not recorded')),
        );
      return left;
    },
  };
}
