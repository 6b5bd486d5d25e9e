import type { Logger } from '../../platform/logger.js';
import type { OrderRepository } from './repository.js';
import type { OrderService } from './service.js';

const BATCH = 50;
/** How long a run that met an error waits before it hands the job back (and it is taken again). */
const RETRY_AFTER_MS = 5_000;

export interface RefundAllOptions {
  repository: Pick<OrderRepository, 'paidOrderIds'>;
  orders: Pick<OrderService, 'refundCancelled'>;
  logger: Logger;
}

export interface CancelledPerformanceJob {
  performanceId: string;
  reason: string;
  /** Orders refunded by earlier runs of this job. */
  done: number;
  shouldStop: () => boolean;
  progress: (done: number) => Promise<void>;
}

/**
 * The job of a cancelled performance: refunds every paid order in full, in id order, a batch at a time,
 * reporting how many are done. Each refund is keyed by its order, so a run after a crash or an error
 * goes on where the last stopped and never refunds twice; its notices go out through the outbox like
 * any refund's. An error (PostgreSQL away) ends this run after a pause, handing the job back, so it is
 * taken again until every paid order is refunded.
 */
export async function refundCancelledPerformance(
  opts: RefundAllOptions,
  job: CancelledPerformanceJob,
): Promise<'done' | 'stopped'> {
  let done = job.done;
  try {
    for (let after = '0'; ;) {
      const ids = await opts.repository.paidOrderIds(job.performanceId, after, BATCH);
      if (ids.length === 0) return 'done';
      for (const id of ids) {
        if (job.shouldStop()) return 'stopped';
        await opts.orders.refundCancelled(id, job.reason);
        done++;
      }
      after = ids.at(-1)!;
      await job.progress(done);
    }
  } catch (err) {
    opts.logger.warn({ err, performanceId: job.performanceId }, 'refunds of a cancelled performance paused');
    if (!job.shouldStop()) await new Promise((r) => setTimeout(r, RETRY_AFTER_MS));
    return 'stopped';
  }
}
