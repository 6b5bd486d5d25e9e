import { randomUUID } from 'node:crypto';
import type { AvailabilityService } from '../../inventory/availability.js';
import type { PerformanceRow } from '../../inventory/performance.js';
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
import { Picking, type HoldResult } from './picking.js';
import { holdError, type HoldRefusal } from './refusals.js';
import type { Access } from '../access/terms.js';
import { askedFor, type Asked, type HoldRequest } from './requests.js';
import type { HoldRepository, HoldRow } from './repository.js';
import { holdView, type HoldView } from './view.js';

/**
 * Hold requests one buyer may make for one performance in a window: well above a person picking
 * seats again after losing some (and the load test's buyers, each one hold and a few retries), far
 * below a script hammering the gate. Counted by the gate's own engine call
 * (docs/decisions/018-per-buyer-limits.md).
 */
export const HOLD_LIMIT = { max: 20, windowMs: 10_000 };

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
  /** What this node's picking requests have picked and are still placing (picking.ts). */
  private readonly picking = new Picking();
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
    const asked = askedFor(request, { perf, seating, access });
    if ('refused' in asked) return asked;
    const placing = { perf, userId, seating, passId, key, access, fits: asked.fits };
    return 'seatNos' in asked ? this.place(placing, asked.seatNos, true) : this.holdPicked(placing, asked);
  }

  /** Seats picked from this node's private copy of the seat map, picked again when taken meanwhile. */
  private async holdPicked(
    placing: Placing,
    { pick, attempts, noneLeft }: Extract<Asked, { pick: unknown }>,
  ): Promise<HoldResult> {
    const { perf, seating } = placing;
    const available = new Uint8Array((await this.deps.availability.read(perf.id, seating.seatCount)).bits);
    seating.strikeBlocked(available);
    return this.picking.pickAndPlace({
      performanceId: perf.id,
      available,
      pick,
      attempts,
      place: (seatNos, first) => this.place(placing, seatNos, first),
      noneLeft: () => this.replayOr(placing, noneLeft),
    });
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
