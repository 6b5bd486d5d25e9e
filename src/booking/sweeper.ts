import type { LeaderElector } from '../engine/coordination/leader.js';
import type { Logger } from '../platform/logger.js';
import { BackgroundLoop } from '../engine/coordination/loop.js';
import type { CheckoutService } from './checkout/service.js';
import type { HoldExpiry } from './holds/expiry.js';
import type { OrderService } from './orders/service.js';

const SWEEP_EVERY_MS = 1_000;

export interface BookingSweeperOptions {
  expiry: HoldExpiry;
  checkout: Pick<CheckoutService, 'settleAbandoned'>;
  refunds: Pick<OrderService, 'finishAbandonedRefunds'>;
  leader: LeaderElector;
  logger: Logger;
}

/**
 * Tidies up after time and crashes, on the leader only: frees the seats of expired holds in PostgreSQL
 * and the engine (so the seat map shows them again), settles orders whose charging node died, and pays
 * back refunds whose requester died before the provider confirmed them.
 * Correctness never waits for it: an expired hold's seats can already be taken over in place.
 */
export class BookingSweeper {
  private readonly loop: BackgroundLoop;

  constructor(private readonly deps: BookingSweeperOptions) {
    this.loop = new BackgroundLoop({
      everyMs: SWEEP_EVERY_MS,
      leader: deps.leader,
      pass: () => this.runPass(),
      failure: { message: 'booking sweep failed', level: 'warn' },
      logger: deps.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One pass; public so tests can drive it. A pass already running (the timer's) is waited for first,
   * so the caller's pass sees everything that happened before the call.
   */
  async sweep(): Promise<void> {
    await this.loop.runNow();
  }

  private async runPass(): Promise<void> {
    // Drain a backlog in batches, but never for longer than one interval.
    const until = Date.now() + SWEEP_EVERY_MS;
    const { expiry, checkout, refunds, leader } = this.deps;
    while ((await expiry.sweep()) > 0 && Date.now() < until && leader.isLeader);
    await checkout.settleAbandoned();
    await refunds.finishAbandonedRefunds();
  }
}
