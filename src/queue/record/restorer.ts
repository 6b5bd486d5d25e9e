import type { WaitingRoom } from '../../engine/waiting-room/port.js';
import { queueKeysUntil } from '../../inventory/performance-cache.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { Logger } from '../../platform/logger.js';
import type { QueueMetrics } from '../metrics.js';
import type { QueueRecorder } from './recorder.js';
import type { QueueRecordRepository, RecordProgress } from './repository.js';

export interface QueueRestorerOptions {
  engine: Pick<WaitingRoom, 'queueStats' | 'queueRestore'>;
  repository: Pick<QueueRecordRepository, 'progress' | 'snapshot'>;
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

  constructor(private readonly opts: QueueRestorerOptions) {}

  /** Reads how far the record has got for these rooms (one query, with the ticker's list). */
  async refresh(performanceIds: readonly string[]): Promise<void> {
    this.recorded = await this.opts.repository.progress(performanceIds);
  }

  /**
   * One engine call when the room has a record (none otherwise); a restore only when the engine lost
   * it. Whether it restored.
   */
  async check(perf: PerformanceRow, now: number): Promise<boolean> {
    const recorded = this.recorded.get(perf.id);
    if (recorded === undefined) return false;
    const { engine, repository, recorder, metrics, logger } = this.opts;
    const { joined, admittedTotal } = await engine.queueStats(perf.id, now);
    if (joined >= recorded.seq && admittedTotal >= recorded.admitted) return false;
    const record = await repository.snapshot(perf.id);
    const renumbered = await engine.queueRestore(perf.id, record, now, queueKeysUntil(perf));
    if (renumbered === null) return false;
    recorder.restored(perf.id, renumbered);
    metrics.restores.inc({ performance: perf.id });
    logger.warn(
      { performanceId: perf.id, entries: record.entries.length, since: renumbered.length },
      'waiting room restored from its record: the engine had lost it',
    );
    return true;
  }
}
