import type { SaleStats } from '../contract/booking.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { Clock } from '../platform/clock.js';
import type { SaleStatsRepository } from './stats-repository.js';

export interface SaleStatsOptions {
  repository: SaleStatsRepository;
  waitingRoom: WaitingRoom;
  /** Throws PERFORMANCE_NOT_FOUND for a performance that does not exist (the catalog's). */
  performances: { existingPerformance(id: string): Promise<unknown> };
  /** The performance's tickets by status (the catalog's). */
  tickets: { ticketCounts(performanceId: string): Promise<SaleStats['tickets']> };
  clock: Clock;
}

/**
 * One snapshot of a performance's sale for the organizer's dashboard: the waiting room from the engine,
 * ticket counts and orders from PostgreSQL. The dashboard keeps the history itself by polling.
 */
export class SaleStatsService {
  constructor(private readonly deps: SaleStatsOptions) {}

  async stats(performanceId: string): Promise<SaleStats> {
    const { repository, waitingRoom, performances, tickets: counts, clock } = this.deps;
    await performances.existingPerformance(performanceId);
    const now = clock.now();
    const [queue, tickets, orders] = await Promise.all([
      waitingRoom.queueStats(performanceId, now),
      counts.ticketCounts(performanceId),
      repository.orderTotals(performanceId),
    ]);
    return {
      at: new Date(now).toISOString(),
      queue: { waiting: queue.waiting, active: queue.active, admittedTotal: queue.admittedTotal },
      tickets,
      revenue: { amount: orders.amount, currency: orders.currency },
      orders: { paid: orders.paid, refunded: orders.refunded, cancelled: orders.cancelled },
    };
  }
}
