import type { Readable } from 'node:stream';
import { existingPerformance, type PerformanceRow } from '../../inventory/performance.js';
import type { ExportKind, ExportRepository } from './repository.js';

export interface ExportServiceOptions {
  repository: ExportRepository;
  inventory: { findPerformance(id: string): Promise<PerformanceRow | undefined> };
}

/** A performance's attendees or orders as a CSV file, streamed. */
export class ExportService {
  constructor(private readonly deps: ExportServiceOptions) {}

  /** Asked before the first byte goes out, so an unknown performance is a 404, not a broken file. */
  async csv(kind: ExportKind, performanceId: string): Promise<Readable> {
    await existingPerformance(this.deps.inventory, performanceId);
    return this.deps.repository.csv(kind, performanceId);
  }
}
