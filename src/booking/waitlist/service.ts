import { AppError } from '../../contract/errors.js';
import type { WaitlistBody, WaitlistEntry } from '../../contract/waitlist.js';
import type { PerformanceCache } from '../../inventory/performance-cache.js';
import type { SeatingCache } from '../../inventory/seating.js';
import type { Clock } from '../../platform/clock.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { WaitlistMarks } from '../../queue/waitlist-marks.js';
import type { HoldService } from '../holds/service.js';
import { entryView, type WaitlistRepository, type WaitlistRow } from './repository.js';

export interface WaitlistServiceOptions {
  repository: WaitlistRepository;
  performances: PerformanceCache;
  seating: SeatingCache;
  holds: Pick<HoldService, 'release'>;
  clock: Clock;
  /** The entry as the queue's poll and stream show it (decision 028). */
  marks: Pick<WaitlistMarks, 'waiting' | 'offered' | 'ended'>;
}

/** A 400 naming the field, as the schema's own are. */
const invalid = (field: string, problem: string, details: Record<string, unknown>) =>
  new AppError('VALIDATION_FAILED', `${field} ${problem}.`, { field, in: 'body', problem, ...details });

/**
 * The waiting list of a sold-out performance (decision 028): buyers in order of arrival; PostgreSQL
 * hands seats that come back to the next matching entry as an offer (tmomi_offer_seats), which the
 * buyer pays for at checkout like any hold.
 */
export class WaitlistService {
  constructor(private readonly deps: WaitlistServiceOptions) {}

  /** Joins the list, or finds the buyer's live entry again (one per account and performance). */
  async join(
    performanceId: string,
    userId: string,
    body: WaitlistBody,
  ): Promise<{ entry: WaitlistEntry; created: boolean }> {
    const { repository, performances, seating, clock } = this.deps;
    const perf = await performances.get(performanceId);
    const now = clock.now();
    if (perf.cancelledAt !== null || now >= perf.salesCloseAt.getTime())
      throw new AppError('SALE_CLOSED', undefined, { performanceId });
    if (now < perf.salesOpenAt.getTime())
      throw new AppError('SALE_NOT_OPEN', undefined, { opensAt: perf.salesOpenAt.toISOString() });
    if (body.quantity > perf.maxTicketsPerUser)
      throw invalid('quantity', `must be at most ${perf.maxTicketsPerUser}, the per-buyer cap`, {
        max: perf.maxTicketsPerUser,
      });
    const grade = body.grade ?? null;
    if (grade !== null && !(await seating.get(perf)).prices.has(grade))
      throw invalid('grade', 'is not a grade of this performance', { grade });
    // The list's offers never hold a code-only grade's seats (migration 0030): such an entry would wait forever.
    if (grade !== null && perf.codeOnlyGrades?.includes(grade))
      throw invalid('grade', 'is sold only with an access code', { grade });
    const joined = await repository.join({
      performanceId,
      userId,
      grade,
      quantity: body.quantity,
      now: new Date(now),
    });
    if (joined === 'on-sale') throw new AppError('NOT_SOLD_OUT', undefined, { performanceId });
    await this.mark(perf, userId, joined.entry);
    return { entry: entryView(joined.entry), created: joined.created };
  }

  /**
   * Tells the queue's channel what PostgreSQL says of a live entry: waiting (until the sale closes:
   * the list offers nothing after), or the offer in hand — so a join again also puts back a mark the
   * engine lost.
   */
  private async mark(perf: PerformanceRow, userId: string, row: WaitlistRow): Promise<void> {
    const { marks } = this.deps;
    const offer = entryView(row).offer;
    if (row.state === 'waiting') await marks.waiting(perf.id, userId, perf.salesCloseAt.getTime());
    else if (offer)
      await marks.offered(perf.id, [{ userId, offer: { ...offer, expiresAt: Date.parse(offer.expiresAt) } }]);
  }

  /** The buyer's latest entry: their place, or their offer. */
  async me(performanceId: string, userId: string): Promise<WaitlistEntry> {
    await this.deps.performances.get(performanceId);
    const row = await this.deps.repository.latest(performanceId, userId);
    if (!row) throw new AppError('NOT_ON_WAITLIST', undefined, { performanceId });
    return entryView(row);
  }

  /** Leaves the list; an offer not yet paid for is released, so its seats go to the next entry. */
  async leave(performanceId: string, userId: string): Promise<void> {
    const { repository, holds } = this.deps;
    await this.deps.performances.get(performanceId);
    const live = await repository.live(performanceId, userId);
    if (live?.state === 'offered' && live.holdId && live.holdState === 'active')
      await holds.release(live.holdId, userId);
    await repository.leave(performanceId, userId);
    // The release took an offer off the buyer's channel; a wait goes here.
    await this.deps.marks.ended(performanceId, [{ userId, holdId: null }]);
  }
}
