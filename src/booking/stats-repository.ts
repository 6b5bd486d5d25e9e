import type { Db } from '../platform/db.js';

export interface OrderTotals {
  /** Paid revenue, in `currency`. */
  amount: number;
  currency: string;
  paid: number;
  refunded: number;
  cancelled: number;
}

/** What the organizer's dashboard reads of a performance's orders. */
export class SaleStatsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Revenue (what paid orders took, less what their partial refunds gave back) and orders by outcome;
   * the currency is the event's, so it is known before any sale.
   */
  async orderTotals(performanceId: string): Promise<OrderTotals> {
    const { rows } = await this.db.query<Omit<OrderTotals, 'amount'> & { amount: string }>(
      `SELECT (coalesce(sum(o.amount) FILTER (WHERE o.status = 'paid'), 0)
               - (SELECT coalesce(sum(r.amount), 0) FROM refunds r JOIN orders x ON x.id = r.order_id
                  WHERE x.performance_id = $1 AND x.status = 'paid'))::bigint AS amount,
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
