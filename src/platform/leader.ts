import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Engine } from './engine/index.js';

export interface LeaderOptions {
  /** The lease name, e.g. `leader:ticker`. */
  name: string;
  /** This node's id: unique per process. */
  holderId: string;
  ttlMs: number;
  /** Defaults to a third of the ttl, so two renewals can fail before the lease lapses. */
  renewEveryMs?: number;
  onChange?: (isLeader: boolean) => void;
  clock?: Clock;
}

/**
 * Keeps (or keeps trying to take) a lease in the engine, so that exactly one node runs the periodic
 * jobs (the admission ticker, sweepers). It must never believe it leads when its lease may have
 * lapsed: leadership counts only until `ttl − margin` after the last confirmed renewal, even while a
 * renewal call hangs, and a failed renewal steps down at once.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private announced = false;
  private stopped = true;
  private readonly clock: Clock;
  private readonly renewEveryMs: number;
  private readonly marginMs: number;

  constructor(
    private readonly engine: Engine,
    private readonly opts: LeaderOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.renewEveryMs = opts.renewEveryMs ?? Math.max(10, Math.floor(opts.ttlMs / 3));
    this.marginMs = Math.min(this.renewEveryMs, Math.floor(opts.ttlMs / 5));
  }

  get isLeader(): boolean {
    return !this.stopped && this.clock.now() < this.confirmedAt + this.opts.ttlMs - this.marginMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning and releases the lease, so another node can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.announce();
    await this.engine.releaseLease(this.opts.name, this.opts.holderId).catch(() => false);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const startedAt = this.clock.now();
    try {
      const held = await this.engine.acquireLease(this.opts.name, this.opts.holderId, this.opts.ttlMs);
      // The lease runs from when we asked, not from when the answer arrived.
      this.confirmedAt = held ? startedAt : Number.NEGATIVE_INFINITY;
    } catch {
      this.confirmedAt = Number.NEGATIVE_INFINITY;
    }
    if (this.stopped) return;
    this.announce();
    this.timer = setTimeout(() => void this.tick(), this.renewEveryMs);
    this.timer.unref();
  }

  private announce(): void {
    const leading = this.isLeader;
    if (leading !== this.announced) {
      this.announced = leading;
      this.opts.onChange?.(leading);
    }
  }
}
