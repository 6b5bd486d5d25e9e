import cliProgress from 'cli-progress';
import { JobRepository } from '../jobs/repository.js';
import { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/db.js';
import { existingPerformance } from '../inventory/performance.js';
import { InventoryRepository } from '../inventory/repository.js';
import { PerformanceRepository } from './performance-repository.js';
import { GENERATE_TICKETS, ticketGeneration } from './tickets.js';

/**
 * `tmomi tickets generate --performance ID`: runs (or resumes) the performance's ticket generation in
 * this process with a progress bar. Running it when every ticket exists is harmless: nothing is added.
 * If a server is running the job right now, this only watches it.
 */
export async function generateTicketsCommand(db: Db, performanceId: string, logger: Logger): Promise<void> {
  const inventory = new InventoryRepository(db);
  const jobs = new JobRepository(db);
  const performance = await existingPerformance(inventory, performanceId);

  const latest = await jobs.latestFor(GENERATE_TICKETS, performanceId);
  const jobId =
    latest && latest.state !== 'done' && latest.state !== 'failed'
      ? latest.id
      : await jobs.create(db, {
          kind: GENERATE_TICKETS,
          total: performance.seatCount,
          payload: { performanceId },
        });

  const bar = new cliProgress.SingleBar(
    {
      format: 'tickets [{bar}] {percentage}% | {value}/{total} seats | {eta_formatted} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(performance.seatCount, (await jobs.find(jobId))?.done ?? 0);
  const watch = setInterval(() => {
    void jobs.find(jobId).then((job) => job && bar.update(job.done));
  }, 200);
  try {
    const runner = new JobRunner({
      jobs,
      handlers: { [GENERATE_TICKETS]: ticketGeneration(db, new PerformanceRepository(db), jobs) },
      logger,
    });
    let job = await runner.runNow(jobId);
    // Claimed by a live server meanwhile: follow its progress until it finishes.
    while (job && (job.state === 'queued' || job.state === 'running')) {
      await new Promise((r) => setTimeout(r, 200));
      job = await jobs.find(jobId);
    }
    bar.update(job?.done ?? 0);
    if (job?.state !== 'done')
      throw new Error(`ticket generation ${job?.state ?? 'vanished'}: ${job?.error ?? ''}`);
  } finally {
    clearInterval(watch);
    bar.stop();
  }
  const counts = await inventory.ticketCounts(performanceId);
  process.stdout.write(
    `performance ${performanceId}: ${counts.available + counts.held + counts.sold} tickets\n`,
  );
}
