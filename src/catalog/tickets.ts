import { inTransaction, type Db } from '../platform/db.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobHandler } from '../jobs/runner.js';
import type { PerformanceRepository } from './performance-repository.js';

export const GENERATE_TICKETS = 'tickets.generate';

/**
 * Seats per transaction. Each chunk commits its tickets together with the job's progress, so the
 * progress bar moves, an interruption loses at most one chunk, and a resumed job starts at `done`.
 */
export const GENERATION_CHUNK = 50_000;

export function ticketGeneration(
  db: Db,
  performances: PerformanceRepository,
  jobs: JobRepository,
): JobHandler {
  return async (job, { shouldStop }) => {
    const performanceId = String(job.payload.performanceId);
    for (let done = job.done; done < job.total;) {
      if (shouldStop()) return 'stopped';
      const next = Math.min(job.total, done + GENERATION_CHUNK);
      // A chunk lost in a crash is regenerated on resume, so its commit need not wait for the disk.
      await inTransaction(
        db,
        async (client) => {
          await performances.insertTicketRange(client, performanceId, done, next - 1);
          await jobs.progress(client, job.id, next);
        },
        { asyncCommit: true },
      );
      done = next;
    }
    return 'done';
  };
}
