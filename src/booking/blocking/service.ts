import type { BlockedSeats } from '../../contract/booking.js';
import { AppError } from '../../contract/errors.js';
import type { AvailabilityService } from '../../inventory/availability.js';
import type { CatalogChanges } from '../../inventory/catalog-changes.js';
import type { PerformanceCache } from '../../inventory/performance-cache.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { SeatingCache } from '../../inventory/seating.js';
import type { Clock } from '../../platform/clock.js';
import { offeredSeats, type WaitlistOffers } from '../waitlist/offers.js';
import type { BlockingRepository } from './repository.js';

export interface BlockingServiceOptions {
  repository: BlockingRepository;
  performances: PerformanceCache;
  seating: SeatingCache;
  availability: AvailabilityService;
  offers: Pick<WaitlistOffers, 'handedOn'>;
  changes: CatalogChanges;
  clock: Clock;
}

/**
 * Seats an organizer holds back from one performance's sale, and gives back (decision 033): camera
 * positions, production holds. PostgreSQL decides (a blocked ticket is status 3, which no hold's guarded
 * update takes); then the seat map shows the change, and every node hears of it (its seating, which
 * refuses a blocked seat before the gate, is read again).
 */
export class BlockingService {
  constructor(private readonly deps: BlockingServiceOptions) {}

  /** The performance's blocked seats: its venue's layout's, and those blocked for it alone. */
  async list(performanceId: string): Promise<BlockedSeats> {
    const perf = await this.deps.performances.get(performanceId);
    return this.view(perf);
  }

  /**
   * Blocks the seats, all or none: 409 SEATS_HELD_OR_SOLD naming the held and sold ones (they can be
   * blocked once they come back), 409 TICKETS_NOT_READY while tickets are still being generated.
   */
  async block(performanceId: string, seatNos: number[]): Promise<BlockedSeats> {
    const perf = await this.existingSeats(performanceId, seatNos);
    const outcome = await this.deps.repository.block(perf.id, seatNos, new Date(this.deps.clock.now()));
    if (outcome.outcome === 'taken')
      throw new AppError('SEATS_HELD_OR_SOLD', undefined, { held: outcome.held, sold: outcome.sold });
    if (outcome.outcome === 'missing')
      throw new AppError('TICKETS_NOT_READY', undefined, { seatNos: outcome.seatNos });
    await this.deps.availability.markTaken(perf.id, outcome.blocked);
    await this.deps.changes.announce('performance', perf.id);
    return this.view(perf);
  }

  /**
   * Releases the seats blocked for this performance: to the waiting list first, the rest on sale. Seats
   * not blocked are left alone; seats the layout blocks are 409 SEATS_BLOCKED_IN_LAYOUT (never for sale).
   */
  async release(performanceId: string, seatNos: number[]): Promise<BlockedSeats> {
    const perf = await this.existingSeats(performanceId, seatNos);
    const outcome = await this.deps.repository.release(perf.id, seatNos, new Date(this.deps.clock.now()));
    if (outcome.outcome === 'layout')
      throw new AppError('SEATS_BLOCKED_IN_LAYOUT', undefined, { seatNos: outcome.seatNos });
    const offered = offeredSeats(outcome.offers);
    // Offers of released seats are marked in the gate and shown on their buyers' queue channel (028).
    await this.deps.offers.handedOn(perf.id, [], outcome.offers);
    await this.deps.availability.markFree(
      perf.id,
      outcome.released.filter((s) => !offered.has(s)),
    );
    await this.deps.changes.announce('performance', perf.id);
    return this.view(perf);
  }

  private async existingSeats(performanceId: string, seatNos: number[]): Promise<PerformanceRow> {
    const perf = await this.deps.performances.get(performanceId);
    const invalid = seatNos.filter((s) => s >= perf.seatCount);
    if (invalid.length > 0) throw new AppError('INVALID_SEAT', undefined, { seatNos: invalid });
    return perf;
  }

  private async view(perf: PerformanceRow): Promise<BlockedSeats> {
    const [seating, blocked] = await Promise.all([
      this.deps.seating.get(perf),
      this.deps.repository.blocked(perf.id),
    ]);
    const layout = new Set(seating.layoutBlocked);
    return {
      performanceId: perf.id,
      layout: seating.layoutBlocked.slice(),
      performance: blocked.filter((s) => !layout.has(s)),
    };
  }
}
