import { setFree } from '../contract/bitset.js';
import { randomUUID } from 'node:crypto';
import type { AvailabilityService } from '../inventory/availability.js';
import type { PerformanceRow } from '../inventory/performance.js';
import type { Clock } from '../platform/clock.js';
import { groupedBatcher } from '../platform/batcher.js';
import type { GateAcquireResult, GateHold, HoldGate } from '../engine/hold-gate/port.js';
import { AppError } from '../contract/errors.js';
import type { Logger } from '../platform/logger.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { QueueService } from '../queue/service.js';
import type { BookingMetrics } from './metrics.js';
import {
  DEADLOCK,
  SEAT_TAKEN,
  type BookingRepository,
  type HoldRow,
  type PlaceOutcome,
} from './repository.js';
import type { Seating, SeatingCache } from '../inventory/seating.js';

/** How long a gate rebuild is trusted before the next one (bounds any drift from crashed nodes). */
const GATE_TTL_MS = 10 * 60_000;
/** Best-available tries again with other seats when the ones it picked were taken meanwhile. */
const PICK_ATTEMPTS = 4;
/**
 * Gate calls of one kind in flight at once per node, and holds (or sales) per call: the ones arriving
 * meanwhile wait and go together. Checkout's sales use the same.
 */
export const GATE_BATCHING = { maxInFlight: 2, maxBatch: 200 };

type GateCall = { perf: string; hold: GateHold; cap: number };

/** One hold request on its way to be placed, whichever seats it tries. */
interface Placing {
  perf: PerformanceRow;
  userId: string;
  seating: Seating;
  passId: number | null;
  /** The request's Idempotency-Key, if any. */
  key: string | undefined;
  /** Whether a hold made earlier under the key answers this request (the same seats, or grade and count). */
  fits: (seatNos: number[]) => boolean;
}

export type HoldRequest = { seatNos: number[] } | { grade: string; quantity: number };

export interface HoldView {
  holdId: string;
  performanceId: string;
  seatNos: number[];
  amount: number;
  currency: string;
  expiresAt: string;
  state: HoldRow['state'];
}

export const holdView = (h: HoldRow): HoldView => ({
  holdId: h.id,
  performanceId: h.performanceId,
  seatNos: h.seatNos,
  amount: h.amount,
  currency: h.currency,
  expiresAt: h.expiresAt.toISOString(),
  state: h.state,
});

/**
 * Seat holds (DESIGN.md, "Seat holds and booking"): the engine gate turns away the losers of a seat race
 * in one call; PostgreSQL confirms the winner with one guarded update. A hold is all-or-nothing.
 */
export class HoldService {
  private readonly rebuilding = new Map<string, Promise<void>>();
  /**
   * Per performance, the seats this node's best-available requests have picked and are still placing.
   * A crowd arriving together reads the same map, so without this each request picks from the same few
   * best runs and the gate turns all but a handful away (docs/incidents.md, "A crowd that picked the
   * same best seats"). With it a node's requests pick around each other; other nodes' picks still
   * meet at the gate, and the loser tries again.
   */
  private readonly picking = new Map<string, Set<number>>();
  /** The last hold request of each performance, buyer and Idempotency-Key still running on this node. */
  private readonly keyed = new Map<string, Promise<HoldView>>();
  /**
   * The gate is asked for many holds in one engine call (one script per performance), as PostgreSQL is
   * (decision 006): each hold is still decided alone, in arrival order, as if asked one at a time.
   */
  private readonly gate: (call: GateCall) => Promise<GateAcquireResult>;

  constructor(
    private readonly engine: HoldGate,
    private readonly repository: BookingRepository,
    private readonly performances: PerformanceCache,
    private readonly seating: SeatingCache,
    private readonly queue: QueueService,
    private readonly availability: AvailabilityService,
    private readonly metrics: BookingMetrics,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.gate = groupedBatcher(
      (c: GateCall) => c.perf,
      (perf, group) => this.engine.gateAcquireMany(perf, group, this.clock.now()),
      { ...GATE_BATCHING, onBatch: (size) => metrics.engineBatchSize.observe({ call: 'acquire' }, size) },
    );
  }

  /**
   * `key` is the request's Idempotency-Key, if it has one: a retry of a request that made its hold gets
   * that hold back (decision 012). This node runs the requests of one key one after another, so a twin
   * sent at the same moment sees the first one's hold committed.
   */
  async create(
    performanceId: string,
    userId: string,
    request: HoldRequest,
    passToken: string | undefined,
    key?: string,
  ): Promise<HoldView> {
    if (key === undefined) return this.createOnce(performanceId, userId, request, passToken, key);
    const id = `${performanceId}:${userId}:${key}`;
    const before = this.keyed.get(id);
    const mine = (async () => {
      await before?.catch(() => undefined);
      return this.createOnce(performanceId, userId, request, passToken, key);
    })();
    this.keyed.set(id, mine);
    try {
      return await mine;
    } finally {
      if (this.keyed.get(id) === mine) this.keyed.delete(id);
    }
  }

  private async createOnce(
    performanceId: string,
    userId: string,
    request: HoldRequest,
    passToken: string | undefined,
    key: string | undefined,
  ): Promise<HoldView> {
    const perf = await this.performances.get(performanceId);
    const now = this.clock.now();
    if (now < perf.salesOpenAt.getTime()) {
      throw new AppError('SALE_NOT_OPEN', undefined, { opensAt: perf.salesOpenAt.toISOString() });
    }
    if (now >= perf.salesCloseAt.getTime()) throw new AppError('SALE_CLOSED', undefined, { performanceId });
    const passId = await this.queue.verifyPass(performanceId, userId, passToken);
    const seating = await this.seating.get(perf);

    if ('seatNos' in request) {
      const seatNos = [...new Set(request.seatNos)].sort((a, b) => a - b);
      if (seatNos.length !== request.seatNos.length) {
        throw new AppError('VALIDATION_FAILED', 'A seat is listed twice.', { seatNos: request.seatNos });
      }
      const invalid = seatNos.filter((s) => s >= seating.seatCount);
      if (invalid.length > 0) throw new AppError('INVALID_SEAT', undefined, { seatNos: invalid });
      this.checkCap(perf, seatNos.length);
      const fits = (held: number[]) =>
        held.length === seatNos.length && held.every((s, i) => s === seatNos[i]);
      return this.place({ perf, userId, seating, passId, key, fits }, seatNos);
    }

    if (!seating.prices.has(request.grade)) {
      throw new AppError('UNKNOWN_GRADE_REQUESTED', undefined, { grade: request.grade });
    }
    this.checkCap(perf, request.quantity);
    const fits = (held: number[]) =>
      held.length === request.quantity && held.every((s) => seating.gradeOf(s) === request.grade);
    const placing = { perf, userId, seating, passId, key, fits };
    // A private copy of the map: seats found taken on one attempt are struck out for the next.
    const available = new Uint8Array((await this.availability.read(performanceId, seating.seatCount)).bits);
    for (let attempt = 1; ; attempt++) {
      // From here to the claim nothing awaits, so no other request of this node picks the same seats.
      const picking = this.picking.get(performanceId) ?? new Set<number>();
      for (const seat of picking) setFree(available, seat, false);
      const seatNos = seating.bestAvailable(available, request.grade, request.quantity, attempt);
      if (!seatNos) {
        // Perhaps because a first try of this very request took the last of them.
        const none = new AppError(
          'SEAT_UNAVAILABLE',
          'Not enough seats of this grade are left together or apart.',
          {
            grade: request.grade,
            quantity: request.quantity,
          },
        );
        return this.replayOr(placing, none);
      }
      for (const seat of seatNos) picking.add(seat);
      this.picking.set(performanceId, picking);
      try {
        return await this.place(placing, seatNos);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'SEAT_UNAVAILABLE' || attempt >= PICK_ATTEMPTS)
          throw err;
        const taken = (err.details?.seatNos as number[] | undefined) ?? seatNos;
        for (const seat of taken) setFree(available, seat, false);
      } finally {
        for (const seat of seatNos) picking.delete(seat);
        if (picking.size === 0) this.picking.delete(performanceId);
      }
    }
  }

  /** The gate, then PostgreSQL; a refusal may be answered by a hold made earlier under the key. */
  private async place(placing: Placing, seatNos: number[]): Promise<HoldView> {
    try {
      return await this.placeOnce(placing, seatNos);
    } catch (err) {
      return this.replayOr(placing, err);
    }
  }

  /**
   * A refused request with a key may be the retry of one that made its hold (whose seats and cap it now
   * meets): the answer is that hold, as it is now. A key already used for other seats is refused.
   * Anything else is the refusal, thrown.
   */
  private async replayOr({ key, perf, userId, fits }: Placing, err: unknown): Promise<HoldView> {
    if (key === undefined || !(err instanceof AppError)) throw err;
    if (err.code !== 'SEAT_UNAVAILABLE' && err.code !== 'TICKET_LIMIT') throw err;
    const prior = await this.repository.findHoldByKey(userId, perf.id, key);
    if (!prior) throw err;
    if (!fits(prior.seatNos)) throw new AppError('IDEMPOTENCY_KEY_REUSED', undefined, { holdId: prior.id });
    this.metrics.holds.inc({ outcome: 'replayed' });
    // The node that made it may have died before it flipped the seat map: flipping again is harmless.
    if (prior.state === 'active') await this.availability.markTaken(perf.id, prior.seatNos);
    return holdView(prior);
  }

  private checkCap(perf: PerformanceRow, quantity: number): void {
    if (quantity > perf.maxTicketsPerUser) {
      throw new AppError('TICKET_LIMIT', undefined, { max: perf.maxTicketsPerUser, requested: quantity });
    }
  }

  /** The gate, then PostgreSQL; on any refusal the gate's marks are taken back. */
  private async placeOnce(
    { perf, userId, seating, passId, key }: Placing,
    seatNos: number[],
  ): Promise<HoldView> {
    const amount = seating.amountOf(seatNos);
    const currency = seating.currency;
    const now = this.clock.now();
    const hold = { holdId: randomUUID(), userId, seatNos, expiresAt: now + perf.holdTtlSeconds * 1000 };
    const gate = await this.gate({ perf: perf.id, hold, cap: perf.maxTicketsPerUser });
    switch (gate.outcome) {
      case 'taken':
        this.metrics.gateRejections.inc({ reason: 'taken' });
        throw new AppError('SEAT_UNAVAILABLE', undefined, { seatNos: gate.seatNos });
      case 'limit':
        this.metrics.gateRejections.inc({ reason: 'limit' });
        throw new AppError('TICKET_LIMIT', undefined, { max: perf.maxTicketsPerUser, held: gate.count });
      case 'unloaded':
        // PostgreSQL decides alone until the gate is back; the rebuild runs beside this request.
        this.rebuildGate(perf.id);
        break;
      case 'held':
        break;
    }
    let placed: PlaceOutcome;
    try {
      placed = await this.repository.placeHold({
        id: hold.holdId,
        userId,
        performanceId: perf.id,
        seatNos,
        amount,
        currency,
        expiresAt: new Date(hold.expiresAt),
        now: new Date(now),
        cap: perf.maxTicketsPerUser,
        passId,
        requestKey: key ?? null,
      });
    } catch (err) {
      if (gate.outcome === 'held') await this.engine.gateRelease(perf.id, hold, this.clock.now());
      const code = (err as { code?: string }).code;
      if (code !== SEAT_TAKEN && code !== DEADLOCK) throw err;
      this.metrics.oversellGuard.inc();
      const taken = await this.repository.unavailableSeats(perf.id, seatNos, new Date(this.clock.now()));
      throw new AppError('SEAT_UNAVAILABLE', undefined, { seatNos: taken.length > 0 ? taken : seatNos });
    }
    if (placed.outcome !== 'held') {
      if (gate.outcome === 'held') await this.engine.gateRelease(perf.id, hold, this.clock.now());
      if (placed.outcome === 'limit') {
        throw new AppError('TICKET_LIMIT', undefined, { max: perf.maxTicketsPerUser, held: placed.count });
      }
      this.metrics.oversellGuard.inc();
      throw new AppError('SEAT_UNAVAILABLE', undefined, { seatNos: placed.seatNos });
    }
    this.metrics.holds.inc({ outcome: 'placed' });
    // The seat map's flip is also what keeps the gate's marks standing past GATE_PROVISIONAL_MS.
    await this.availability.markTaken(perf.id, seatNos);
    return {
      holdId: hold.holdId,
      performanceId: perf.id,
      seatNos,
      amount,
      currency,
      expiresAt: new Date(hold.expiresAt).toISOString(),
      state: 'active',
    };
  }

  /** The caller's own hold; another buyer's is "not found", so ids cannot be probed. */
  async get(holdId: string, userId: string): Promise<HoldRow> {
    const hold = await this.repository.findHold(holdId);
    if (!hold || hold.userId !== userId) throw new AppError('HOLD_NOT_FOUND', undefined, { holdId });
    return hold;
  }

  async release(holdId: string, userId: string): Promise<void> {
    const hold = await this.repository.releaseHold(holdId, userId);
    if (!hold) {
      const existing = await this.get(holdId, userId);
      if (existing.state === 'ordered') throw new AppError('HOLD_ALREADY_PAID', undefined, { holdId });
      return; // released or expired already: releasing is idempotent
    }
    this.metrics.holds.inc({ outcome: 'released' });
    await this.engine.gateRelease(hold.performanceId, { ...hold, holdId: hold.id }, this.clock.now());
    await this.availability.markFree(hold.performanceId, hold.seatNos);
  }

  /** Frees the holds that expired (the sweeper, on the leader). Correctness never waits for this. */
  async sweep(batch = 500): Promise<number> {
    const { holds, freed } = await this.repository.expireHolds(new Date(this.clock.now()), batch);
    if (holds.length === 0) return 0;
    this.metrics.holds.inc({ outcome: 'expired' }, holds.length);
    const now = this.clock.now();
    await Promise.all(
      holds.map((h) => this.engine.gateRelease(h.performanceId, { ...h, holdId: h.id }, now)),
    );
    const byPerf = new Map<string, number[]>();
    for (const { performanceId, seatNo } of freed)
      byPerf.set(performanceId, [...(byPerf.get(performanceId) ?? []), seatNo]);
    await Promise.all([...byPerf].map(([perf, seats]) => this.availability.markFree(perf, seats)));
    return holds.length;
  }

  /**
   * Rebuilds the gate from PostgreSQL, once per node at a time. The version read first makes the engine
   * refuse the picture if a release ran meanwhile; then the next request tries again.
   */
  rebuildGate(performanceId: string): void {
    if (this.rebuilding.has(performanceId)) return;
    const run = (async () => {
      const now = this.clock.now();
      const version = await this.engine.gateVersion(performanceId, now);
      const snapshot = await this.repository.gateSnapshot(performanceId, new Date(now));
      const stored = await this.engine.gateLoad(performanceId, snapshot, version, GATE_TTL_MS);
      this.metrics.gateRebuilds.inc({ outcome: stored ? 'stored' : 'raced' });
    })()
      .catch((err: unknown) => this.logger.warn({ err, performanceId }, 'hold gate rebuild failed'))
      .finally(() => this.rebuilding.delete(performanceId));
    this.rebuilding.set(performanceId, run);
  }

  /** Waits for rebuilds in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.rebuilding.values());
  }
}
