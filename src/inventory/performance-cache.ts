import type { Clock } from '../platform/clock.js';
import { SharedCache } from '../platform/shared-cache.js';
import { AppError } from '../contract/errors.js';
import type { CatalogChanges } from './catalog-changes.js';
import { KnownIds } from './known-ids.js';
import type { PerformanceRow } from './performance.js';
import type { InventoryRepository } from './repository.js';

/**
 * Changes are announced over pub/sub (CatalogChanges) and drop the entry at once; the TTL bounds how
 * long a node whose message was lost goes on with the old settings (live controls promise 2 s). At
 * one primary-key read per performance per node every two seconds, not per request.
 */
const TTL_MS = 2_000;
/** How long a finished sale's waiting room stays in the engine: for support, for late polls, and so
 * that a clock or cache a little behind never meets a queue that has vanished. */
const QUEUE_KEPT_AFTER_CLOSE_MS = 24 * 60 * 60_000;

/** What queueKeysUntil reads of a performance. */
export type QueueKeysOf = Pick<PerformanceRow, 'salesCloseAt' | 'passTtlSeconds' | 'holdTtlSeconds'>;

/**
 * When the engine forgets the performance's waiting room (`until` of the engine's queue calls): a day
 * after the sale closes, or later if a pass or hold issued just before the close outlives that. Nothing
 * admits or holds after `salesCloseAt`, so no live pass is ever forgotten.
 */
export function queueKeysUntil(perf: QueueKeysOf): number {
  const longest = Math.max(QUEUE_KEPT_AFTER_CLOSE_MS, perf.passTtlSeconds * 1000, perf.holdTtlSeconds * 1000);
  return perf.salesCloseAt.getTime() + longest;
}

/**
 * Performance settings for every hot path (join, poll, pass checks, holds, the public reads run
 * thousands of times a second): read from PostgreSQL at most every two seconds per node, not once per
 * request. A change announced by any node (CatalogChanges) drops the row on every node at once; the
 * TTL bounds the staleness when a message is lost. Ids that do not exist are answered from memory
 * (KnownIds), so a flood of random ids does not reach PostgreSQL either.
 */
export class PerformanceCache {
  private readonly cache: SharedCache<PerformanceRow>;
  private readonly inventory: InventoryRepository;
  private readonly ids: KnownIds;

  constructor({
    inventory,
    clock,
    changes,
  }: {
    inventory: InventoryRepository;
    clock: Clock;
    changes: CatalogChanges;
  }) {
    this.inventory = inventory;
    this.cache = new SharedCache(TTL_MS, clock);
    this.ids = new KnownIds({ idsAfter: (after) => inventory.catalogIdsAfter('performances', after), clock });
    changes.onChange(({ kind, id }) => {
      // An event's or venue's change reaches its performances' rows too (venue, seat count).
      if (kind !== 'performance') return this.cache.clear();
      this.cache.delete(id);
      this.ids.found(id); // created, edited or deleted: the next read asks PostgreSQL which
    });
  }

  get(id: string): Promise<PerformanceRow> {
    return this.cache.get(id, () => this.read(id));
  }

  private async read(id: string): Promise<PerformanceRow> {
    if (!(await this.ids.mayExist(id))) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
    const found = await this.inventory.findPerformance(id);
    if (!found) {
      this.ids.gone(id);
      throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
    }
    return found;
  }
}
