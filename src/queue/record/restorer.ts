import type { QueueStats, WaitingRoom } from '../../engine/waiting-room/port.js';
import { queueKeysUntil } from '../../inventory/performance-cache.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { Logger } from '../../platform/logger.js';
import type { QueueMetrics } from '../metrics.js';
import type { QueueRecorder } from './recorder.js';
import type { QueueRecordRepository, RecordProgress } from './repository.js';

/**
 * How long restored waiters count as seen (check): about two of the streams' reconnects, so that
 * whoever is still there is seen again, and the abandoned are not.
 */
export const RESTORED_GRACE_MS = 20_000;

/**
 * How often the leader deletes the record of rooms the engine has forgotten (their sale over): rooms
 * end a day after their close, so ten minutes late is nothing, and a pass that has nothing to delete is
 * one small query.
 */
export const PRUNE_EVERY_MS = 10 * 60_000;

export interface QueueRestorerOptions {
  engine: Pick<WaitingRoom, 'queueStats' | 'queueRestore' | 'queuePause'>;
  repository: Pick<QueueRecordRepository, 'progress' | 'snapshot' | 'prune'>;
  recorder: Pick<QueueRecorder, 'restored'>;
  metrics: Pick<QueueMetrics, 'restores'>;
  logger: Logger;
}

/**
 * Notices a queue the engine lost and rebuilds it from PostgreSQL's record (decision 038); the
 * admission ticker asks before each room's admission, so nobody is admitted from a queue that lost its
 * line. Lost means the engine's sequence or admissions are below the record's: a wipe or a failover
 * forgot entries (even if joins have started a new queue since), a restarted memory engine has none,
 * or a lottery's draw was made again on an empty engine (same sequences, none of the admissions). The
 * engine decides that again in the restore's own atomic step, so two nodes restoring at once (a
 * leader that changed mid-round) restore once.
 */
export class QueueRestorer {
  /** Per performance with a record: how far it has got, read with the ticker's list. */
  private recorded = new Map<string, RecordProgress>();
  private prunedAt = -Infinity;
  private pruning: Promise<void> | undefined;

  constructor(private readonly opts: QueueRestorerOptions) {}

  /**
   * Reads how far the record has got for these rooms (one query, with the ticker's list), and every
   * PRUNE_EVERY_MS sets the pruning of ended rooms' records going (not waited for: admission never
   * waits on it; a failure is logged and tried again next time).
   */
  async refresh(performanceIds: readonly string[], now: number): Promise<void> {
    if (!this.pruning && now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      const { repository, logger } = this.opts;
      this.pruning = repository
        .prune(new Date(now))
        .then((rooms) => {
          if (rooms > 0) logger.info({ rooms }, 'waiting room records of ended sales pruned');
        })
        .catch((err: unknown) => logger.warn({ err }, 'waiting room records not pruned'))
        .finally(() => (this.pruning = undefined));
    }
    this.recorded = await this.opts.repository.progress(performanceIds);
  }

  /**
   * One engine call when the room has a record (none otherwise); a restore only when the engine lost
   * it, or one is still under way (cut short by a crash or a timeout: resumed, and the engine admits
   * nobody until it has ended). Returns the stats it read when it did not restore, for the round to
   * reuse (undefined otherwise); throws when the read or the restore failed, and the round then skips
   * the room's admission. Restored waiters are marked seen at `staleBefore` + RESTORED_GRACE_MS: the
   * record has no last-seen times, and a waiter who does not come back within the grace is skipped
   * when reached, as they would have been, instead of taking a pass.
   */
  async check(perf: PerformanceRow, now: number, staleBefore: number): Promise<QueueStats | undefined> {
    const recorded = this.recorded.get(perf.id);
    if (recorded === undefined) return undefined;
    const { engine, repository, recorder, metrics, logger } = this.opts;
    const stats = await engine.queueStats(perf.id, now);
    const lost = stats.joined < recorded.seq || stats.admittedTotal < recorded.admitted;
    if (!lost && !stats.restoring) return stats;
    const record = await repository.snapshot(perf.id);
    const until = queueKeysUntil(perf);
    const seenAt = Math.min(now, staleBefore + RESTORED_GRACE_MS);
    const kept = await engine.queueRestore(perf.id, record, now, until, { seenAt });
    if (kept === null) return undefined;
    recorder.restored(perf.id, kept);
    metrics.restores.inc({ performance: perf.id });
    logger.warn(
      { performanceId: perf.id, entries: record.entries.length, since: kept.length },
      'waiting room restored from its record: the engine had lost it',
    );
    // A queue the engine lost forgot its pause too: PostgreSQL's is put back before anyone is admitted
    // (the ticker's own restore of it runs only with its list, every two seconds).
    await engine.queuePause(perf.id, perf.queuePaused, until, true);
    return undefined;
  }
}
