import type { GateSnapshot } from '../../engine/hold-gate/port.js';
import type { Db } from '../../platform/db.js';

/** What the engine's hold gate is rebuilt from. */
export class GateRepository {
  constructor(private readonly db: Db) {}

  /** Live holds and sold seats with their buyers. */
  async snapshot(performanceId: string, now: Date): Promise<GateSnapshot> {
    const [holds, sold] = await Promise.all([
      this.db.query<{ holdId: string; userId: string; seatNos: number[]; expiresAt: string }>(
        `SELECT id::text AS "holdId", user_id::text AS "userId", seat_nos AS "seatNos",
                (extract(epoch FROM expires_at) * 1000)::bigint::text AS "expiresAt"
         FROM holds WHERE performance_id = $1 AND state = 'active' AND expires_at > $2`,
        [performanceId, now],
      ),
      this.db.query<{ userId: string; seatNos: number[] }>(
        `SELECT user_id::text AS "userId", array_agg(s) AS "seatNos"
         FROM orders, unnest(seat_nos) AS s WHERE performance_id = $1 AND status = 'paid' GROUP BY user_id`,
        [performanceId],
      ),
    ]);
    return {
      holds: holds.rows.map((h) => ({ ...h, expiresAt: Number(h.expiresAt) })),
      sold: sold.rows,
    };
  }
}
