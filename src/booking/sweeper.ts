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
  private running = false;

  constructor(
    private readonly holds: HoldService,
    private readonly checkout: CheckoutService,
    private readonly leader: LeaderElector,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.leader.start();
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.leader.stop();
  }

  /** One pass; public so tests can drive it. */
  async sweep(): Promise<void> {
    if (this.running || !this.leader.isLeader) return;
    this.running = true;
    try {
      // Drain a backlog in batches, but never for longer than one interval.
      const until = Date.now() + SWEEP_EVERY_MS;
      while ((await this.holds.sweep()) > 0 && Date.now() < until && this.leader.isLeader);
      await this.checkout.settleAbandoned();
    } catch (err) {
      this.logger.warn({ err }, 'booking sweep failed');
    } finally {
      this.running = false;
    }
  }
}
