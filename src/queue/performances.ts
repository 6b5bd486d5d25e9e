import type { Clock } from '../platform/clock.js';
import { AppError } from '../platform/errors.js';
import type { CatalogRepository, PerformanceRow } from '../catalog/repository.js';

const TTL_MS = 5_000;
/** How long a finished sale's waiting room stays in the engine: for support, for late polls, and so
 * that a clock or cache a little behind never meets a queue that has vanished. */
const QUEUE_KEPT_AFTER_CLOSE_MS = 24 * 60 * 60_000;

/**
 * When the engine forgets the performance's waiting room (`until` of the engine's queue calls): a day
 * after the sale closes, or later if a pass or hold issued just before the close outlives that. Nothing
 * admits or holds after `salesCloseAt`, so no live pass is ever forgotten.
 */
export function queueKeysUntil(perf: PerformanceRow): number {
  const longest = Math.max(QUEUE_KEPT_AFTER_CLOSE_MS, perf.passTtlSeconds * 1000, perf.holdTtlSeconds * 1000);
  return perf.salesCloseAt.getTime() + longest;
}

/**
 * Performance settings for the queue's hot paths (join, poll, pass checks run thousands of times a
 * second): read from PostgreSQL at most every few seconds per node, not once per request.
 */
export class PerformanceCache {
  private readonly entries = new Map<string, { row: Promise<PerformanceRow>; until: number }>();

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly clock: Clock,
  ) {}

  /** The requests that find the entry stale together share one read (not one each, every few seconds). */
  get(id: string): Promise<PerformanceRow> {
    const now = this.clock.now();
    const cached = this.entries.get(id);
    if (cached && cached.until > now) return cached.row;
    const row = this.catalog.findPerformance(id).then((found) => {
      if (!found) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
      return found;
    });
    this.entries.set(id, { row, until: now + TTL_MS });
    // A miss or a failure is not remembered: the next request asks again.
    row.catch(() => {
      if (this.entries.get(id)?.row === row) this.entries.delete(id);
    });
    return row;
  }
}
