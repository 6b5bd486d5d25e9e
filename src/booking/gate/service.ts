import type {
  GateAcquireResult,
  GateHold,
  GateHoldRef,
  GateRequest,
  HoldGate,
} from '../../engine/hold-gate/port.js';
import { groupedBatcher } from '../../platform/batcher.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { BookingMetrics } from '../metrics.js';
import type { GateRepository } from './repository.js';

/** How long a gate rebuild is trusted before the next one (bounds any drift from crashed nodes). */
const GATE_TTL_MS = 10 * 60_000;
/**
 * Gate calls of one kind in flight at once per node, and holds (or sales) per call: the ones arriving
 * meanwhile wait and go together.
 */
const GATE_BATCHING = { maxInFlight: 2, maxBatch: 200 };

type Acquire = GateRequest & { perf: string };
type Sale = { perf: string; hold: GateHoldRef };

export interface BookingGateOptions {
  engine: HoldGate;
  repository: GateRepository;
  metrics: BookingMetrics;
  clock: Clock;
  logger: Logger;
}

/**
 * Booking's side of the engine's hold gate (DESIGN.md, "Seat holds and booking"): it turns away the
 * losers of a seat race before PostgreSQL is asked, and is rebuilt from PostgreSQL when the engine has
 * lost it. Holds and sales are sent many to one engine call (one script per performance), as PostgreSQL
 * is asked (decision 006): each is still decided alone, in arrival order, as if asked one at a time.
 */
export class BookingGate {
  private readonly rebuilding = new Map<string, Promise<void>>();
  private readonly acquireBatched: (call: Acquire) => Promise<GateAcquireResult>;
  private readonly sellBatched: (sale: Sale) => Promise<void>;

  constructor(private readonly deps: BookingGateOptions) {
    const { engine, metrics } = deps;
    const batching = (call: string) => ({
      ...GATE_BATCHING,
      onBatch: (size: number) => metrics.engineBatchSize.observe({ call }, size),
    });
    this.acquireBatched = groupedBatcher(
      (c: Acquire) => c.perf,
      (perf, group) => engine.gateAcquireMany(perf, group, deps.clock.now()),
      batching('acquire'),
    );
    this.sellBatched = groupedBatcher(
      (sale: Sale) => sale.perf,
      async (perf, group) => {
        await engine.gateSellMany(
          perf,
          group.map((sale) => sale.hold),
        );
        return group.map(() => undefined);
      },
      batching('sell'),
    );
  }

  /**
   * Checks and marks every seat of the hold and the buyer's cap, at once; with a `limit`, first counts
   * the request in the buyer's window for the performance, in the same engine call.
   */
  acquire(
    perf: string,
    hold: GateHold,
    cap: number,
    limit?: GateRequest['limit'],
  ): Promise<GateAcquireResult> {
    return this.acquireBatched(limit ? { perf, hold, cap, limit } : { perf, hold, cap });
  }

  /** The hold's seats are sold (its payment settled). */
  sell(perf: string, hold: GateHoldRef): Promise<void> {
    return this.sellBatched({ perf, hold });
  }

  release(perf: string, hold: GateHoldRef, now = this.deps.clock.now()): Promise<void> {
    return this.deps.engine.gateRelease(perf, hold, now);
  }

  unsell(perf: string, userId: string, seatNos: readonly number[]): Promise<void> {
    return this.deps.engine.gateUnsell(perf, userId, seatNos, this.deps.clock.now());
  }

  /**
   * Rebuilds the gate from PostgreSQL, once per node at a time, beside the request that found it gone.
   * The version read first makes the engine refuse the picture if a release ran meanwhile; then the
   * next request tries again.
   */
  rebuild(performanceId: string): void {
    if (this.rebuilding.has(performanceId)) return;
    const { engine, repository, metrics, clock, logger } = this.deps;
    const run = (async () => {
      const now = clock.now();
      const version = await engine.gateVersion(performanceId, now);
      const snapshot = await repository.snapshot(performanceId, new Date(now));
      const stored = await engine.gateLoad(performanceId, snapshot, version, GATE_TTL_MS);
      metrics.gateRebuilds.inc({ outcome: stored ? 'stored' : 'raced' });
    })()
      .catch((err: unknown) => logger.warn({ err, performanceId }, 'hold gate rebuild failed'))
      .finally(() => this.rebuilding.delete(performanceId));
    this.rebuilding.set(performanceId, run);
  }

  /** Waits for rebuilds in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.rebuilding.values());
  }
}
