import type { Logger } from '../platform/logger.js';
import type { JobRepository, JobRow } from './repository.js';

/**
 * What a job kind does: run from `job.done` on (resumable), reporting progress as it goes, and return
 * 'stopped' when it yielded because the node is stopping.
 */
export type JobHandler = (job: JobRow, ctx: { shouldStop: () => boolean }) => Promise<'done' | 'stopped'>;

const POLL_MS = 5_000;

/**
 * Runs background jobs, one at a time per node. A job is kicked by the node that created it, and
 * every node polls for queued or abandoned ones, so a job interrupted by a crash resumes elsewhere.
 * Handlers are idempotent per chunk, so re-running a half-done chunk is harmless.
 */
export class JobRunner {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly jobs: JobRepository,
    private readonly handlers: Record<string, JobHandler>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Work through every claimable job now (no-op when already working). */
  kick(): void {
    if (this.running || this.stopping) return;
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Waits for the current chunk, then leaves the job for another node or the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs one specific job in this process (the CLI's foreground generation). */
  async runNow(id: string): Promise<JobRow | undefined> {
    const job = await this.jobs.claimNext(id);
    if (job) await this.execute(job);
    return this.jobs.find(id);
  }

  private async drain(): Promise<void> {
    try {
      for (let job = await this.jobs.claimNext(); job && !this.stopping; job = await this.jobs.claimNext()) {
        await this.execute(job);
      }
    } catch (err) {
      this.logger.error({ err }, 'job runner failed to claim a job');
    }
  }

  private async execute(job: JobRow): Promise<void> {
    const handler = this.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const outcome = await handler(job, { shouldStop: () => this.stopping });
      if (outcome === 'stopped') await this.jobs.release(job.id);
      else await this.jobs.finish(job.id, 'done');
    } catch (err) {
      this.logger.error({ err, jobId: job.id, kind: job.kind }, 'job failed');
      await this.jobs.finish(job.id, 'failed', err instanceof Error ? err.message : String(err));
    }
  }
}
