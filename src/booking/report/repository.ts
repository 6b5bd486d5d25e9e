import type { Db } from '../../platform/db.js';

export interface ReportRow {
  eventTitle: string;
  currency: string;
  ticketsSold: number;
  ticketsRefunded: number;
  checkedIn: number;
  gross: string;
  refunded: string;
  ordersPaid: number;
  ordersRefunded: number;
  ordersCancelled: number;
  refunds: number;
  buyers: number;
  /** When the last seat still sold was sold (null before any sale). */
  lastSaleAt: Date | null;
  grades: { grade: string; seats: number; sold: number; revenue: number; checkedIn: number }[];
}

/** Most minutes the per-minute series holds: four hours of a sale is a long one. */
export const REPORT_MINUTES = 240;

/** What PostgreSQL knows of a finished (or running) sale: every figure from rows written anyway. */
export class ReportRepository {
  constructor(private readonly db: Db) {}

  async figures(performanceId: string): Promise<ReportRow | undefined> {
    const { rows } = await this.db.query<ReportRow>(
      `WITH perf_orders AS (SELECT * FROM orders WHERE performance_id = $1),
            tix AS (SELECT i.*, sc.grade FROM issued_tickets i
                    JOIN performances p ON p.id = i.performance_id JOIN events e ON e.id = p.event_id
                    JOIN seats st ON st.venue_id = e.venue_id AND st.seat_no = i.seat_no
                    JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no
                    WHERE i.performance_id = $1)
       SELECT e.title AS "eventTitle", e.currency,
         (SELECT count(*)::int FROM tix WHERE voided_at IS NULL) AS "ticketsSold",
         (SELECT count(*)::int FROM tix WHERE voided_at IS NOT NULL) AS "ticketsRefunded",
         (SELECT count(*)::int FROM tix WHERE checked_in_at IS NOT NULL) AS "checkedIn",
         (SELECT coalesce(sum(amount), 0)::bigint FROM perf_orders WHERE status IN ('paid', 'refunded')) AS gross,
         (SELECT coalesce(sum(r.amount), 0)::bigint FROM refunds r JOIN perf_orders o ON o.id = r.order_id) AS refunded,
         (SELECT count(*)::int FROM perf_orders WHERE status = 'paid') AS "ordersPaid",
         (SELECT count(*)::int FROM perf_orders WHERE status = 'refunded') AS "ordersRefunded",
         (SELECT count(*)::int FROM perf_orders WHERE status = 'cancelled') AS "ordersCancelled",
         (SELECT count(*)::int FROM refunds r JOIN perf_orders o ON o.id = r.order_id) AS refunds,
         (SELECT count(DISTINCT user_id)::int FROM perf_orders WHERE status IN ('paid', 'refunded')) AS buyers,
         (SELECT max(created_at) FROM tix WHERE voided_at IS NULL) AS "lastSaleAt",
         (SELECT coalesce(json_agg(g ORDER BY g.grade), '[]') FROM (
            SELECT sc.grade, count(*)::int AS seats,
              (SELECT count(*)::int FROM tix WHERE tix.grade = sc.grade AND voided_at IS NULL) AS sold,
              (SELECT coalesce(sum(price), 0)::int FROM tix WHERE tix.grade = sc.grade AND voided_at IS NULL) AS revenue,
              (SELECT count(*)::int FROM tix WHERE tix.grade = sc.grade AND checked_in_at IS NOT NULL) AS "checkedIn"
            FROM seats st JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no
            WHERE st.venue_id = e.venue_id GROUP BY sc.grade) AS g) AS grades
       FROM performances p JOIN events e ON e.id = p.event_id WHERE p.id = $1`,
      [performanceId],
    );
    return rows[0];
  }

  /**
   * Tickets sold in each minute from the first sale on, quiet minutes as zeros (refunded tickets count:
   * they sold then); one row more than REPORT_MINUTES tells the caller the sale went on longer.
   */
  async perMinute(performanceId: string): Promise<{ minute: Date; tickets: number }[]> {
    const { rows } = await this.db.query<{ minute: Date; tickets: number }>(
      `WITH c AS (SELECT date_trunc('minute', created_at) AS minute, count(*)::int AS tickets
                  FROM issued_tickets WHERE performance_id = $1 GROUP BY 1),
            s AS (SELECT generate_series(min(minute), least(max(minute), min(minute) + $2 * interval '1 minute'),
                                         interval '1 minute') AS minute FROM c)
       SELECT s.minute, coalesce(c.tickets, 0) AS tickets FROM s LEFT JOIN c USING (minute) ORDER BY 1`,
      [performanceId, REPORT_MINUTES],
    );
    return rows;
  }
}
