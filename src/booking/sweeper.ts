import type { LeaderElector } from '../platform/leader.js';
import type { Logger } from '../platform/logger.js';
import type { CheckoutService } from './checkout.js';
import type { HoldService } from './holds.js';

const SWEEP_EVERY_MS = 1_000;

/**
 * Tidies up after time and crashes, on the leader only: frees the seats of expired holds in PostgreSQL
 * and the engine (so the seat map shows them again), and settles orders whose charging node died.
 * Correctness never waits for it: an expired hold's seats can already be taken over in place.
 */
export class BookingSweeper {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;

  constructor(
    private readonly holds: HoldService,
    private readonly checkout: CheckoutService,
    private readonly leader: LeaderElector,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.leader.start();
    // A tick finding the previous pass still running skips rather than queueing behind it.
    this.timer = setInterval(() => {
      if (!this.pass) void this.sweep();
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.leader.stop();
  }

  /**
   * One pass; public so tests can drive it. A pass already running (the timer's) is waited for first,
   * so the caller's pass sees everything that happened before the call.
   */
  async sweep(): Promise<void> {
    while (this.pass) await this.pass;
    if (!this.leader.isLeader) return;
    this.pass = this.runPass().finally(() => (this.pass = undefined));
    await this.pass;
  }

  private async runPass(): Promise<void> {
    try {
      // Drain a backlog in batches, but never for longer than one interval.
      const until = Date.now() + SWEEP_EVERY_MS;
      while ((await this.holds.sweep()) > 0 && Date.now() < until && this.leader.isLeader);
      await this.checkout.settleAbandoned();
    } catch (err) {
      this.logger.warn({ err }, 'booking sweep failed');
    }
  }
}
