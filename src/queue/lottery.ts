import { AppError } from '../contract/errors.js';
import type { FairnessView, MyFairnessView, RegistrationView } from '../contract/lottery.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import { queueKeysUntil, type PerformanceCache } from '../inventory/performance-cache.js';
import type { PerformanceRow } from '../inventory/performance.js';
import type { Clock } from '../platform/clock.js';
import { SharedCache } from '../platform/shared-cache.js';
import { commitmentOf, DRAW_ALGORITHM, DRAW_VERSION, entryHash, placeOf } from './fairness.js';
import type { FairnessRow, LotteryRepository } from './lottery-repository.js';
import type { ChallengeService } from './challenge.js';
import type { ChallengePayload } from '../contract/queue.js';

/**
 * Drawn records kept in memory, the latest first: each holds 64 characters per drawn buyer (about
 * 9 MB for 100,000), and every fifo room now has one; one read later than that asks PostgreSQL.
 */
const KEPT_RECORDS = 16;

export interface LotteryServiceOptions {
  repository: LotteryRepository;
  performances: PerformanceCache;
  engine: Pick<WaitingRoom, 'queueDraw' | 'queueSeal' | 'queueStatus'>;
  clock: Clock;
  /** The door's proof of work, which a registration spends as a join does; none (unit tests): not asked. */
  challenges?: Pick<ChallengeService, 'spend'>;
}

/**
 * Lottery admission (issue 22, decision 029): registration until the sale opens, the draw at the
 * opening (made by the admission ticker's leader), and the fairness record anyone can check. A fifo
 * room's opening is the same draw, of its pre-queue (decision 031).
 */
export class LotteryService {
  /** Draws this node has seen through to the engine: not asked again (the engine's draw is once anyway). */
  private readonly drawnHere = new Set<string>();
  /** Draws under way on this node: the joins that arrive together at the opening wait for one. */
  private readonly drawing = new Map<string, Promise<void>>();
  /** Records after their draw never change: kept, so a crowd reading them costs PostgreSQL nothing. */
  private readonly published = new Map<string, FairnessView>();
  /** Before the draw: one read a second per record and node, however many pages poll it. */
  private readonly undrawn: SharedCache<FairnessView>;

  constructor(private readonly opts: LotteryServiceOptions) {
    this.undrawn = new SharedCache(1_000, opts.clock, { maxEntries: 1_000 });
  }

  /** Registers the caller for the draw; idempotent (a repeat answers the first registration). */
  async register(
    performanceId: string,
    userId: string,
    challenge?: ChallengePayload,
  ): Promise<RegistrationView> {
    const perf = await this.opts.performances.get(performanceId);
    if (!isLottery(perf)) throw new AppError('NOT_A_LOTTERY', undefined, { performanceId });
    const closesAt = perf.salesOpenAt.toISOString();
    const closed = () => new AppError('REGISTRATION_CLOSED', undefined, { performanceId, closesAt });
    if (perf.cancelledAt || this.opts.clock.now() >= perf.salesOpenAt.getTime()) throw closed();
    // Spent only by a registration that could be taken, as the join spends it after its own checks.
    await this.opts.challenges?.spend(performanceId, challenge);
    const registered = await this.opts.repository.register(performanceId, userId);
    if (registered.outcome === 'drawn') throw closed();
    return { performanceId, registeredAt: registered.registeredAt.toISOString(), closesAt };
  }

  /** The public record: the commitment at once; the seed, the entries and their hash after the draw. */
  async fairness(performanceId: string): Promise<FairnessView> {
    const kept = this.published.get(performanceId);
    return kept ?? this.undrawn.get(performanceId, () => this.read(performanceId));
  }

  private async read(performanceId: string): Promise<FairnessView> {
    const perf = await this.opts.performances.get(performanceId);
    const row = await this.record(performanceId);
    const drawn = row.drawnAt !== null;
    const view: FairnessView = {
      performanceId,
      mode: perf.queueMode,
      algorithm: DRAW_ALGORITHM,
      version: DRAW_VERSION,
      commitment: commitmentOf(row.seed),
      committedAt: row.committedAt.toISOString(),
      registrationClosesAt: isLottery(perf) ? perf.salesOpenAt.toISOString() : null,
      drawnAt: row.drawnAt?.toISOString() ?? null,
      seed: drawn ? row.seed.toString('hex') : null,
      entries: drawn ? row.entries : null,
      listHash: row.listHash,
    };
    if (drawn) {
      this.published.set(performanceId, view);
      if (this.published.size > KEPT_RECORDS) this.published.delete(this.published.keys().next().value!);
    }
    return view;
  }

  /** The values behind the caller's own place: their id, hash and place (after the draw). */
  async mine(performanceId: string, userId: string): Promise<MyFairnessView> {
    const perf = await this.opts.performances.get(performanceId);
    if (!isLottery(perf)) return this.mineInPrequeue(perf, userId);
    const [record, registration] = await Promise.all([
      this.fairness(performanceId),
      this.opts.repository.registration(performanceId, userId),
    ]);
    const place = record.entries && registration?.place ? registration.place : null;
    return {
      performanceId,
      userId,
      registered: registration !== undefined,
      registeredAt: registration?.registeredAt.toISOString() ?? null,
      place,
      hash: place === null ? null : record.entries![place - 1]!,
      of: record.entries?.length ?? null,
    };
  }

  /**
   * A fifo room's: its draw is of the pre-queue, so one's place follows from the published entries
   * (HMAC of one's id, found among them); before the draw, `registered` says one is in the pre-queue.
   */
  private async mineInPrequeue(perf: PerformanceRow, userId: string): Promise<MyFairnessView> {
    const record = await this.fairness(perf.id);
    const entries = record.entries;
    const hash = record.seed === null ? null : entryHash(Buffer.from(record.seed, 'hex'), userId);
    const place = entries && hash !== null ? placeOf(entries, hash) : null;
    const waiting =
      entries === null &&
      (await this.opts.engine.queueStatus(perf.id, userId, this.opts.clock.now()))?.state === 'prequeue';
    return {
      performanceId: perf.id,
      userId,
      registered: place !== null || waiting,
      registeredAt: null,
      place,
      hash: place === null ? null : hash,
      of: entries?.length ?? null,
    };
  }

  /**
   * At the opening, before anyone is admitted (the ticker calls this first; a lottery's join too, so
   * that no registrant is ever shown a place from before the draw): the draw is made once in
   * PostgreSQL, then its order is placed at the head of the waiting room. A lottery draws its
   * registrants; a fifo room its pre-queue, sealed in the engine first (decision 031). Safe to repeat:
   * PostgreSQL answers the same order, and the engine places it once.
   */
  drawIfDue(perf: PerformanceRow, now: number): Promise<void> {
    if (!perf.queueEnabled || now < perf.salesOpenAt.getTime() || this.drawnHere.has(perf.id)) {
      return Promise.resolve();
    }
    let under = this.drawing.get(perf.id);
    if (!under) {
      under = this.draw(perf, now).finally(() => this.drawing.delete(perf.id));
      this.drawing.set(perf.id, under);
    }
    return under;
  }

  private async draw(perf: PerformanceRow, now: number): Promise<void> {
    const { repository, engine } = this.opts;
    const until = queueKeysUntil(perf);
    if (isLottery(perf)) {
      await engine.queueDraw(perf.id, await repository.draw(perf.id, new Date(now)), now, until, 'enter');
    } else {
      const seal = () => engine.queueSeal(perf.id, until);
      const order = await repository.drawPrequeue(perf.id, new Date(now), seal);
      await engine.queueDraw(perf.id, order, now, until, 'skip');
    }
    this.drawnHere.add(perf.id);
  }

  private async record(performanceId: string): Promise<FairnessRow> {
    const row = await this.opts.repository.fairness(performanceId);
    if (!row) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id: performanceId });
    return row;
  }
}

const isLottery = (perf: PerformanceRow) => perf.queueEnabled && perf.queueMode === 'lottery';
