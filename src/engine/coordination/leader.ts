import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import type { Leases } from './port.js';
import type { Logger } from '../../platform/logger.js';

export interface LeaderOptions {
  /** Where the lease is kept. */
  engine: Leases;
  /** The lease name: one of LEASES (src/engine/keys.ts). */
  name: string;
  /** This node's id: unique per process. */
  holderId: string;
  ttlMs: number;
  /** Defaults to a third of the ttl, so two renewals can fail before the lease lapses. */
  renewEveryMs?: number;
  /** Called when this node starts or stops leading, including when a lease lapses unrenewed. */
  onChange?: (isLeader: boolean) => void;
  clock?: Clock;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Keeps (or keeps trying to take) a lease in the engine, so that exactly one node runs the periodic
 * jobs (the admission ticker, sweepers). It must never believe it leads when its lease may have
 * lapsed: leadership counts only until `ttl − margin` after the last confirmed renewal, even while a
 * renewal call hangs, and a failed renewal steps down at once.
 */
export class LeaderElector {
  private renewTimer: NodeJS.Timeout | undefined;
  private lapseTimer: NodeJS.Timeout | undefined;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private announced = false;
  private running = false;
  // Bumped by start() and stop(): a renewal still in flight from an earlier campaign must neither
  // claim the lease nor schedule a second renewal loop.
  private campaign = 0;
  private readonly clock: Clock;
  private readonly renewEveryMs: number;
  private readonly marginMs: number;

  private readonly engine: Leases;

  constructor(private readonly opts: LeaderOptions) {
    this.engine = opts.engine;
    this.clock = opts.clock ?? systemClock;
    this.renewEveryMs = opts.renewEveryMs ?? Math.max(10, Math.floor(opts.ttlMs / 3));
    // Room for timers firing late and clocks running at slightly different rates.
    this.marginMs = Math.min(this.renewEveryMs, Math.floor(opts.ttlMs / 5));
  }

  get isLeader(): boolean {
    return this.running && this.clock.now() < this.leadsUntil;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.renew(++this.campaign);
  }

  /** Stops campaigning and releases the lease, so another node can take over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.campaign++;
    clearTimeout(this.renewTimer);
    clearTimeout(this.lapseTimer);
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.announce();
    await this.engine.releaseLease(this.opts.name, this.opts.holderId).catch(() => false);
  }

  private get leadsUntil(): number {
    return this.confirmedAt + this.opts.ttlMs - this.marginMs;
  }

  private async renew(campaign: number): Promise<void> {
    const askedAt = this.clock.now();
    let held = false;
    try {
      held = await this.engine.acquireLease(this.opts.name, this.opts.holderId, this.opts.ttlMs);
    } catch (err) {
      this.opts.logger?.warn({ err, lease: this.opts.name }, 'leader lease renewal failed');
    }
    if (campaign !== this.campaign) return;
    // The lease runs from when the engine saw the call, which is after we asked: counting from the
    // asking errs on the safe side.
    this.confirmedAt = held ? askedAt : Number.NEGATIVE_INFINITY;
    this.renewTimer = setTimeout(() => void this.renew(campaign), this.renewEveryMs).unref();
    this.scheduleLapse();
    this.announce();
  }

  /** So that onChange(false) fires on time when the next renewal hangs, not when it finally returns. */
  private scheduleLapse(): void {
    clearTimeout(this.lapseTimer);
    const wait = this.leadsUntil - this.clock.now();
    if (wait <= 0) return;
    this.lapseTimer = setTimeout(() => {
      this.announce();
      // A timer can fire a millisecond early.
      if (this.isLeader) this.scheduleLapse();
    }, wait).unref();
  }

  private announce(): void {
    const leading = this.isLeader;
    if (leading === this.announced) return;
    this.announced = leading;
    this.opts.logger?.info(
      { lease: this.opts.name, holder: this.opts.holderId },
      leading ? 'leading' : 'no longer leading',
    );
    this.opts.onChange?.(leading);
  }
}
