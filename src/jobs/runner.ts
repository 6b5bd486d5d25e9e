import type { Logger } from '../platform/logger.js';
import { BackgroundLoop } from '../engine/coordination/loop.js';
import type { JobRepository, JobRow } from './repository.js';

/**
 * What a job kind does: run from `job.done` on (resumable), reporting progress as it goes, and return
 * 'stopped' when it yielded because the node is stopping.
 */
export type JobHandler = (job: JobRow, ctx: { shouldStop: () => boolean }) => Promise<'done' | 'stopped'>;

const POLL_MS = 5_000;

/**
 * Jobs one node works on at once. A ticket-generation chunk keeps one PostgreSQL backend busy (two thirds
 * of its time is primary-key maintenance), so a second job uses a second core: 10M tickets in
 * bench/generate, paired runs, 13.2–14.8 s with one at a time, 8.5–9.9 s with two. Three were no faster
 * on the two-core machine, and each one holds a pooled connection while it runs.
 */
export const JOB_CONCURRENCY = 2;

export interface JobRunnerOptions {
  jobs: JobRepository;
  /** What to do for each job kind. */
  handlers: Record<string, JobHandler>;
  logger: Logger;
}

/**
 * Runs background jobs, a few at a time per node. A job is kicked by the node that created it, and
 * every node polls for queued or abandoned ones, so a job interrupted by a crash resumes elsewhere.
 * Handlers are idempotent per chunk, so re-running a half-done chunk is harmless.
 */
export class JobRunner {
  /** Each pass is a worker draining the claimable jobs; every node runs them (claims keep jobs apart). */
  private readonly loop: BackgroundLoop;

  private readonly jobs: JobRepository;
  private readonly handlers: Record<string, JobHandler>;
  private readonly logger: Logger;

  constructor({ jobs, handlers, logger }: JobRunnerOptions) {
    this.jobs = jobs;
    this.handlers = handlers;
    this.logger = logger;
    this.loop = new BackgroundLoop({
      everyMs: POLL_MS,
      concurrency: JOB_CONCURRENCY,
      runAtStart: true,
      pass: () => this.drain(),
      failure: { message: 'job runner failed to claim a job', level: 'error' },
      logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Work through every claimable job now, with up to JOB_CONCURRENCY at once (no-op when all are busy). */
  kick(): void {
    this.loop.kick();
  }

  /** Waits for the current chunks, then leaves their jobs for another node or the next start. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Runs one specific job in this process (the CLI's foreground generation). */
  async runNow(id: string): Promise<JobRow | undefined> {
    const job = await this.jobs.claimNext(id);
    if (job) await this.execute(job);
    return this.jobs.find(id);
  }

  private async drain(): Promise<void> {
    for (
      let job = await this.jobs.claimNext();
      job && !this.loop.stopping;
      job = await this.jobs.claimNext()
    ) {
      await this.execute(job);
    }
  }

  private async execute(job: JobRow): Promise<void> {
    const handler = this.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const outcome = await handler(job, { shouldStop: () => this.loop.stopping });
      if (outcome === 'stopped') await this.jobs.release(job.id);
      else await this.jobs.finish(job.id, 'done');
    } catch (err) {
      this.logger.error({ err, jobId: job.id, kind: job.kind }, 'job failed');
      await this.jobs.finish(job.id, 'failed', err instanceof Error ? err.message : String(err));
    }
  }
}
