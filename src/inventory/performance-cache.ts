import type { Clock } from '../platform/clock.js';
import { SharedCache } from '../platform/shared-cache.js';
import { existingPerformance, type PerformanceRow } from './performance.js';
import type { InventoryRepository } from './repository.js';

/**
 * Changes are announced over pub/sub (CatalogChanges) and drop the entry at once; the TTL bounds how
 * long a node whose message was lost goes on with the old settings (live controls promise 2 s).
 */
const TTL_MS = 2_000;
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
 * second): read from PostgreSQL at most every two seconds per node, not once per request, and dropped
 * at once when an organizer changes them (forget, called on CatalogChanges).
 */
export class PerformanceCache {
  private readonly cache: SharedCache<PerformanceRow>;
  private readonly inventory: InventoryRepository;

  constructor({ inventory, clock }: { inventory: InventoryRepository; clock: Clock }) {
    this.inventory = inventory;
    this.cache = new SharedCache(TTL_MS, clock);
  }

  get(id: string): Promise<PerformanceRow> {
    return this.cache.get(id, () => existingPerformance(this.inventory, id));
  }

  /**
   * Drops a performance's settings (or all, when an event or venue changed under them), so that the
   * next request reads what PostgreSQL holds now.
   */
  forget(id?: string): void {
    this.cache.delete(id);
  }
}
