import { randomUUID } from 'node:crypto';
import type { AvailabilityService } from '../../inventory/availability.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import { setFree } from '../../contract/bitset.js';
import { AppError } from '../../contract/errors.js';
import type { Clock } from '../../platform/clock.js';
import { InOrder } from '../../platform/in-order.js';
import type { PerformanceCache } from '../../inventory/performance-cache.js';
import type { QueueService } from '../../queue/service.js';
import type { AccessCodeService } from '../access/service.js';
import type { BookingGate } from '../gate/service.js';
import type { BookingMetrics } from '../metrics.js';
import type { Seating, SeatingCache } from '../../inventory/seating.js';
import { offeredSeats, type WaitlistOffers } from '../waitlist/offers.js';
import { holdError, type HoldRefusal } from './refusals.js';
import { lockedOut, type Access } from '../access/terms.js';
import type { HoldRepository, HoldRow } from './repository.js';
import { holdView, type HoldView } from './view.js';

/** Best-available tries again with other seats when the ones it picked were taken meanwhile. */
const PICK_ATTEMPTS = 4;
/**
 * Hold requests one buyer may make for one performance in a window: well above a person picking
 * seats again after losing some (and the load test's buyers, each one hold and a few retries), far
 * below a script hammering the gate. Counted by the gate's own engine call
 * (docs/decisions/018-per-buyer-limits.md).
 */
export const HOLD_LIMIT = { max: 20, windowMs: 10_000 };

export type HoldRequest = ({ seatNos: number[] } | { grade: string; quantity: number }) & { code?: string };

/** A hold placed (or found again under its key), or why not. */
type HoldResult = { hold: HoldView } | HoldRefusal;

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
  /** Prices and code-only grades under the request's access code, or the public ones. */
  access: Access;
}

export interface HoldServiceOptions {
  repository: HoldRepository;
  gate: BookingGate;
  performances: PerformanceCache;
  seating: SeatingCache;
  queue: Pick<QueueService, 'verifyPass'>;
  availability: AvailabilityService;
  metrics: BookingMetrics;
  clock: Clock;
  codes: Pick<AccessCodeService, 'access'>;
  offers: Pick<WaitlistOffers, 'handedOn'>;
}

/**
 * Seat holds (DESIGN.md, "Seat holds and booking"): the engine gate turns away the losers of a seat race
 * in one call; PostgreSQL confirms the winner with one guarded update. A hold is all-or-nothing.
 */
export class HoldService {
  /**
   * Per performance, the seats this node's best-available requests have picked and are still placing.
   * A crowd arriving together reads the same map, so without this each request picks from the same few
   * best runs and the gate turns all but a handful away (docs/incidents.md, "A crowd that picked the
   * same best seats"). With it a node's requests pick around each other; other nodes' picks still
   * meet at the gate, and the loser tries again.
   */
  private readonly picking = new Map<string, Set<number>>();
  /** The last hold request of each performance, buyer and Idempotency-Key still running on this node. */
  private readonly keyed = new InOrder<HoldResult>();

  constructor(private readonly deps: HoldServiceOptions) {}

  /**
   * `key` is the request's Idempotency-Key, if it has one: a retry of a request that made its hold gets
   * that hold back (decision 012). This node runs the requests of one key one after another, so a twin
   * sent at the same moment sees the first one's hold committed. A refusal is thrown as its AppError.
   */
  async create(
    performanceId: string,
    userId: string,
    request: HoldRequest,
    passToken: string | undefined,
    key?: string,
  ): Promise<HoldView> {
    const decide = () => this.decide(performanceId, userId, request, passToken, key);
    const result =
      key === undefined ? await decide() : await this.keyed.run(`${performanceId}:${userId}:${key}`, decide);
    if ('refused' in result) throw holdError(result);
    return result.hold;
  }

  private async decide(
    performanceId: string,
    userId: string,
    request: HoldRequest,
    passToken: string | undefined,
    key: string | undefined,
  ): Promise<HoldResult> {
    const perf = await this.deps.performances.get(performanceId);
    const now = this.deps.clock.now();
    if (now < perf.salesOpenAt.getTime()) return { refused: 'sale-not-open', opensAt: perf.salesOpenAt };
    if (now >= perf.salesCloseAt.getTime()) return { refused: 'sale-closed', performanceId };
    const passId = await this.deps.queue.verifyPass(performanceId, userId, passToken);
    const seating = await this.deps.seating.get(perf);
    const access = await this.deps.codes.access(perf, seating, request.code);
    if ('refused' in access) return access;
    const base = { perf, userId, seating, passId, key, access };
    return 'seatNos' in request
      ? this.holdSeats(base, request.seatNos)
      : this.holdBest(base, request.grade, request.quantity);
  }

  /** Explicit seats: each once, each at the venue, within the cap. */
  private async holdSeats(placing: Omit<Placing, 'fits'>, requested: number[]): Promise<HoldResult> {
    const seatNos = [...new Set(requested)].sort((a, b) => a - b);
    if (seatNos.length !== requested.length) return { refused: 'seat-listed-twice', seatNos: requested };
    const invalid = seatNos.filter((s) => s >= placing.seating.seatCount);
    if (invalid.length > 0) return { refused: 'invalid-seat', seatNos: invalid };
    const locked = seatNos.map((s) => placing.seating.gradeOf(s) ?? '').find((g) => placing.access.locked(g));
    if (locked !== undefined) return lockedOut(placing.access, locked);
    const overCap = this.overCap(placing.perf, seatNos.length);
    if (overCap) return overCap;
    const fits = (held: number[]) => held.length === seatNos.length && held.every((s, i) => s === seatNos[i]);
    return this.place({ ...placing, fits }, seatNos, true);
  }

  /** The best available seats of a grade, picked again around the ones found taken meanwhile. */
  private async holdBest(base: Omit<Placing, 'fits'>, grade: string, quantity: number): Promise<HoldResult> {
    const { perf, seating } = base;
    if (!seating.prices.has(grade)) return { refused: 'unknown-grade', grade };
    if (base.access.locked(grade)) return lockedOut(base.access, grade);
    const overCap = this.overCap(perf, quantity);
    if (overCap) return overCap;
    const fits = (held: number[]) =>
      held.length === quantity && held.every((s) => seating.gradeOf(s) === grade);
    const placing = { ...base, fits };
    // A private copy of the map: seats found taken on one attempt are struck out for the next.
    const available = new Uint8Array((await this.deps.availability.read(perf.id, seating.seatCount)).bits);
    for (let attempt = 1; ; attempt++) {
      // From here to the claim nothing awaits, so no other request of this node picks the same seats.
      const picking = this.picking.get(perf.id) ?? new Set<number>();
      for (const seat of picking) setFree(available, seat, false);
      const seatNos = seating.bestAvailable(available, grade, quantity, attempt);
      // Perhaps because a first try of this very request took the last of them.
      if (!seatNos) return this.replayOr(placing, { refused: 'none-left', grade, quantity });
      for (const seat of seatNos) picking.add(seat);
      this.picking.set(perf.id, picking);
      let result: HoldResult;
      try {
        result = await this.place(placing, seatNos, attempt === 1);
      } finally {
        for (const seat of seatNos) picking.delete(seat);
        if (picking.size === 0) this.picking.delete(perf.id);
      }
      if (!('refused' in result) || result.refused !== 'taken' || attempt >= PICK_ATTEMPTS) return result;
      for (const seat of result.seatNos) setFree(available, seat, false);
    }
  }

  private overCap(perf: PerformanceRow, quantity: number): HoldRefusal | undefined {
    if (quantity > perf.maxTicketsPerUser) {
      return { refused: 'over-cap', max: perf.maxTicketsPerUser, requested: quantity };
    }
    return undefined;
  }

  /**
   * The gate, then PostgreSQL; a refusal may be answered by a hold made earlier under the key — but
   * not a rate-limited one, which must stay as cheap as the engine call that refused it. `first`:
   * the request's first try, the one counted against the buyer's rate limit.
   */
  private async place(placing: Placing, seatNos: number[], first: boolean): Promise<HoldResult> {
    const result = await this.placeOnce(placing, seatNos, first);
    if (!('refused' in result) || result.refused === 'rate-limited') return result;
    return this.replayOr(placing, result);
  }

  /**
   * A refused request with a key may be the retry of one that made its hold (whose seats and cap it now
   * meets): the answer is that hold, as it is now. A key already used for other seats is refused.
   */
  private async replayOr({ key, perf, userId, fits }: Placing, refusal: HoldRefusal): Promise<HoldResult> {
    if (key === undefined) return refusal;
    const prior = await this.deps.repository.findHoldByKey(userId, perf.id, key);
    if (!prior) return refusal;
    if (!fits(prior.seatNos)) return { refused: 'key-reused', holdId: prior.id };
    this.deps.metrics.holds.inc({ outcome: 'replayed' });
    // The node that made it may have died before it flipped the seat map: flipping again is harmless.
    if (prior.state === 'active') await this.deps.availability.markTaken(perf.id, prior.seatNos);
    return { hold: holdView(prior) };
  }

  /** The gate, then PostgreSQL; on any refusal the gate's marks are taken back. */
  private async placeOnce(
    { perf, userId, seating, passId, key, access }: Placing,
    seatNos: number[],
    first: boolean,
  ): Promise<HoldResult> {
    const { gate, repository, metrics, clock } = this.deps;
    const seatPrices = seatNos.map((seat) => access.priceOf(seat));
    const amount = seatPrices.reduce((sum, price) => sum + price, 0);
    const currency = seating.currency;
    const now = clock.now();
    const max = perf.maxTicketsPerUser;
    const hold = { holdId: randomUUID(), userId, seatNos, expiresAt: now + perf.holdTtlSeconds * 1000 };
    const marked = await gate.acquire(perf.id, hold, max, first ? HOLD_LIMIT : undefined);
    switch (marked.outcome) {
      case 'limited':
        return { refused: 'rate-limited', retryAfterMs: marked.retryAfterMs };
      case 'taken':
        metrics.gateRejections.inc({ reason: 'taken' });
        return { refused: 'taken', seatNos: marked.seatNos };
      case 'limit':
        metrics.gateRejections.inc({ reason: 'limit' });
        return { refused: 'limit', max, held: marked.count };
      case 'unloaded':
        // PostgreSQL decides alone until the gate is back; the rebuild runs beside this request.
        gate.rebuild(perf.id);
        break;
      case 'held':
        break;
    }
    const unmark = async () => {
      if (marked.outcome === 'held') await gate.release(perf.id, hold);
    };
    const placed = await repository
      .placeHold({
        id: hold.holdId,
        userId,
        performanceId: perf.id,
        seatNos,
        seatPrices,
        amount,
        currency,
        expiresAt: new Date(hold.expiresAt),
        now: new Date(now),
        cap: max,
        passId,
        requestKey: key ?? null,
        codeId: access.codeId,
      })
      .catch(async (err: unknown) => {
        await unmark();
        throw err;
      });
    if (placed.outcome !== 'held') {
      await unmark();
      if (placed.outcome === 'limit') return { refused: 'limit', max, held: placed.count };
      if (placed.outcome === 'code-spent') return { refused: 'code-invalid', reason: 'used-up' };
      this.deps.metrics.oversellGuard.inc();
      if (placed.outcome === 'taken') return { refused: 'taken', seatNos: placed.seatNos };
      const taken = await repository.unavailableSeats(perf.id, seatNos, new Date(clock.now()));
      return { refused: 'taken', seatNos: taken.length > 0 ? taken : seatNos };
    }
    metrics.holds.inc({ outcome: 'placed' });
    // The seat map's flip is also what keeps the gate's marks standing past GATE_PROVISIONAL_MS.
    await this.deps.availability.markTaken(perf.id, seatNos);
    const expiresAt = new Date(hold.expiresAt).toISOString();
    const state = 'active';
    return {
      hold: { holdId: hold.holdId, performanceId: perf.id, seatNos, amount, currency, expiresAt, state },
    };
  }

  /** The caller's own hold; another buyer's is "not found", so ids cannot be probed. */
  async get(holdId: string, userId: string): Promise<HoldRow> {
    const hold = await this.deps.repository.findHold(holdId);
    if (!hold || hold.userId !== userId) throw new AppError('HOLD_NOT_FOUND', undefined, { holdId });
    return hold;
  }

  async release(holdId: string, userId: string): Promise<void> {
    const hold = await this.deps.repository.releaseHold(holdId, userId, new Date(this.deps.clock.now()));
    if (!hold) {
      const existing = await this.get(holdId, userId);
      if (existing.state === 'ordered') throw new AppError('HOLD_ALREADY_PAID', undefined, { holdId });
      return; // released or expired already: releasing is idempotent
    }
    this.deps.metrics.holds.inc({ outcome: 'released' });
    await this.deps.gate.release(hold.performanceId, { ...hold, holdId: hold.id });
    // Seats that went to the waiting list's offers stay taken on the map (decision 028).
    const offered = offeredSeats(hold.offers);
    const free = hold.seatNos.filter((s) => !offered.has(s));
    await this.deps.availability.markFree(hold.performanceId, free);
    await this.deps.offers.handedOn(hold.performanceId, [{ ...hold, holdId: hold.id }], hold.offers);
  }

  /** Waits for gate rebuilds in flight (tests, shutdown). */
  settled(): Promise<void> {
    return this.deps.gate.settled();
  }
}
