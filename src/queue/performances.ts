import type { Clock } from '../platform/clock.js';
import { AppError } from '../platform/errors.js';
import type { CatalogRepository, PerformanceRow } from '../catalog/repository.js';

const TTL_MS = 5_000;

/**
 * Performance settings for the queue's hot paths (join, poll, pass checks run thousands of times a
 * second): read from PostgreSQL at most every few seconds per node, not once per request.
 */
export class PerformanceCache {
  private readonly entries = new Map<string, { row: PerformanceRow; until: number }>();

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<PerformanceRow> {
    const now = this.clock.now();
    const cached = this.entries.get(id);
    if (cached && cached.until > now) return cached.row;
    const row = await this.catalog.findPerformance(id);
    if (!row) {
      this.entries.delete(id);
      throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
    }
    this.entries.set(id, { row, until: now + TTL_MS });
    return row;
  }
}
