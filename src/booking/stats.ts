import type { PerformanceRow } from '../inventory/performance.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { SaleStats } from '../contract/booking.js';

/**
 * One snapshot of a performance's sale for the organizer's dashboard: the waiting room from the engine,
 * ticket counts and orders from PostgreSQL. The dashboard keeps the history itself by polling.
 */
export class SaleStatsService {
  constructor(
    private readonly db: Db,
    private readonly engine: WaitingRoom,
    private readonly catalog: { existingPerformance(id: string): Promise<PerformanceRow> },
    private readonly repository: InventoryRepository,
    private readonly clock: Clock,
  ) {}

  async stats(performanceId: string): Promise<SaleStats> {
    await this.catalog.existingPerformance(performanceId);
    const now = this.clock.now();
    const [queue, tickets, orders] = await Promise.all([
      this.engine.queueStats(performanceId, now),
      this.repository.ticketCounts(performanceId),
      this.orderTotals(performanceId),
    ]);
    return {
      at: new Date(now).toISOString(),
      queue: { waiting: queue.waiting, active: queue.active, admittedTotal: queue.admittedTotal },
      tickets,
      revenue: { amount: orders.amount, currency: orders.currency },
      orders: { paid: orders.paid, refunded: orders.refunded, cancelled: orders.cancelled },
    };
  }

  /** Paid revenue and orders by outcome; the currency is the event's, so it is known before any sale. */
  private async orderTotals(performanceId: string) {
    const { rows } = await this.db.query<{
      amount: string;
      currency: string;
      paid: number;
      refunded: number;
      cancelled: number;
    }>(
      `SELECT coalesce(sum(o.amount) FILTER (WHERE o.status = 'paid'), 0)::bigint AS amount,
              (SELECT e.currency FROM performances p JOIN events e ON e.id = p.event_id WHERE p.id = $1) AS currency,
              count(*) FILTER (WHERE o.status = 'paid')::int AS paid,
              count(*) FILTER (WHERE o.status = 'refunded')::int AS refunded,
              count(*) FILTER (WHERE o.status = 'cancelled')::int AS cancelled
       FROM orders o WHERE o.performance_id = $1`,
      [performanceId],
    );
    const row = rows[0]!;
    return { ...row, amount: Number(row.amount), currency: row.currency ?? 'KRW' };
  }
}
