import type { LeaderElector } from './leader.js';
import type { Logger } from '../../platform/logger.js';

export interface LoopOptions {
  /** A pass is started this often, unless `concurrency` passes are still running (then none is queued). */
  everyMs: number;
  /** One pass of the work. */
  pass: () => Promise<void>;
  /** What is logged, and how loud, when a pass throws; the loop goes on with the next one. */
  failure: { message: string; level: 'warn' | 'error' };
  logger: Pick<Logger, 'warn' | 'error'>;
  /**
   * Campaigned for from start to stop: passes then run only while this node leads, so that exactly one
   * node does the work. Without it every node runs its passes.
   */
  leader?: LeaderElector;
  /** Run instead of a pass while another node leads. */
  whileFollowing?: () => void;
  /** Passes that may run at once; 1 unless the work is claimed piece by piece. */
  concurrency?: number;
  /** Starts passes at once on start, not only after the first interval. */
  runAtStart?: boolean;
}

/**
 * Periodic background work of a node (the booking sweeper, the admission ticker, the job runner): a
 * timer that starts passes, never more than `concurrency` at once, a leader lease when one node must do
 * it for all, and a stop that hands the lease over at once and then waits for the passes under way.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: LoopOptions) {}

  /** True from stop() until the next start(): long passes check it to yield. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.opts.leader?.start();
    this.timer = setInterval(() => this.kick(), this.opts.everyMs);
    this.timer.unref();
    if (this.opts.runAtStart) this.kick();
  }

  /** Starts passes up to `concurrency` now (none while stopping, or while that many run). */
  kick(): void {
    if (this.stopped) return;
    while (this.running.size < (this.opts.concurrency ?? 1)) void this.begin();
  }

  /**
   * One pass, started once every pass already under way has ended, so that it sees everything that
   * happened before the call; for tests, which drive the work themselves.
   */
  async runNow(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    await this.begin();
  }

  /**
   * Stops starting passes and releases the lease (another node leads at once rather than when it
   * lapses), then waits for the passes under way, which see `stopping` and the lost lease.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.opts.leader?.stop();
    await Promise.all(this.running);
  }

  private begin(): Promise<void> {
    const pass: Promise<void> = this.run().finally(() => this.running.delete(pass));
    this.running.add(pass);
    return pass;
  }

  private async run(): Promise<void> {
    const { leader, failure, logger } = this.opts;
    if (leader && !leader.isLeader) {
      this.opts.whileFollowing?.();
      return;
    }
    try {
      await this.opts.pass();
    } catch (err) {
      logger[failure.level]({ err }, failure.message);
    }
  }
}
