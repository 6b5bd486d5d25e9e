import type { AvailabilityService } from '../../inventory/availability.js';
import type { Clock } from '../../platform/clock.js';
import type { BookingGate } from '../gate/service.js';
import type { BookingMetrics } from '../metrics.js';
import type { WaitlistOffers } from '../waitlist/offers.js';
import type { HoldRepository } from './repository.js';

export interface HoldExpiryOptions {
  repository: HoldRepository;
  gate: BookingGate;
  availability: AvailabilityService;
  metrics: BookingMetrics;
  clock: Clock;
  offers: Pick<WaitlistOffers, 'handedOn'>;
}

/**
 * Frees the holds that expired, in PostgreSQL, the gate and the seat map (the sweeper, on the leader);
 * their seats go to the waiting list's offers first (decision 028).
 * Correctness never waits for this: an expired hold's seats can already be taken over in place.
 */
export class HoldExpiry {
  constructor(private readonly deps: HoldExpiryOptions) {}

  /** One batch; returns how many holds expired in it. */
  async sweep(batch = 500): Promise<number> {
    const { repository, gate, availability, metrics, clock } = this.deps;
    const { holds, freed, offers } = await repository.expireHolds(new Date(clock.now()), batch);
    if (holds.length === 0) return 0;
    metrics.holds.inc({ outcome: 'expired' }, holds.length);
    const now = clock.now();
    await Promise.all(holds.map((h) => gate.release(h.performanceId, { ...h, holdId: h.id }, now)));
    const byPerf = new Map<string, number[]>();
    for (const { performanceId, seatNo } of freed)
      byPerf.set(performanceId, [...(byPerf.get(performanceId) ?? []), seatNo]);
    await Promise.all([...byPerf].map(([perf, seats]) => availability.markFree(perf, seats)));
    // Seats that went to the waiting list stay taken on the map; the gate marks them by their offer, and
    // the offers that lapsed leave their buyers' channels.
    for (const perf of new Set(holds.map((h) => h.performanceId))) {
      const lapsed = holds.filter((h) => h.performanceId === perf).map((h) => ({ ...h, holdId: h.id }));
      const made = offers.filter((o) => o.performanceId === perf).flatMap((o) => o.offers);
      await this.deps.offers.handedOn(perf, lapsed, made);
    }
    return holds.length;
  }
}
