import type { Db } from '../../platform/db.js';

export type OrderStatus = 'pending' | 'paid' | 'cancelled' | 'refunded';

export interface OrderRow {
  id: string;
  userId: string;
  performanceId: string;
  holdId: string;
  idempotencyKey: string;
  seatNos: number[];
  amount: number;
  currency: string;
  passId: string | null;
  status: OrderStatus;
  reason: string | null;
  chargeClaimedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The columns of an OrderRow, for `SELECT … FROM orders` and `RETURNING`. */
export const ORDER = `id::text, user_id::text AS "userId", performance_id::text AS "performanceId", hold_id::text AS "holdId",
  idempotency_key AS "idempotencyKey", seat_nos AS "seatNos", amount, currency, pass_id::text AS "passId", status, reason,
  charge_claimed_until AS "chargeClaimedUntil", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Orders as they stand, and their refund. */
export class OrderRepository {
  constructor(private readonly db: Db) {}

  async findOrder(id: string): Promise<OrderRow | undefined> {
    const { rows } = await this.db.query<OrderRow>(`SELECT ${ORDER} FROM orders WHERE id = $1`, [id]);
    return rows[0];
  }

  async listOrders(userId: string, limit: number, beforeId?: string): Promise<OrderRow[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER} FROM orders WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [userId, beforeId ?? null, limit],
    );
    return rows;
  }

  /**
   * A charged order that cannot (or can no longer) keep its seats, refunded from status `from`, with
   * the reason and `order.refunded` in the outbox (tmomi_settle_refunded). For a paid order (the buyer
   * cancels) its tickets go back to available and its codes are voided; returns the seats freed. The
   * provider refund has already happened (it is idempotent, so a crash in between only means it is
   * asked again).
   */
  async settleRefunded(
    orderId: string,
    reason: string,
    provider: string,
    ref: string,
    from: 'pending' | 'paid',
  ): Promise<{ status: OrderStatus; freed: number[] }> {
    const { rows } = await this.db.query<{ settled: { status: OrderStatus; freed: number[] } }>(
      'SELECT tmomi_settle_refunded($1, $2, $3, $4, $5) AS settled',
      [orderId, reason, provider, ref, from],
    );
    return rows[0]!.settled;
  }

  async paymentRef(orderId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ ref: string | null }>(
      'SELECT provider_ref AS ref FROM payments WHERE order_id = $1',
      [orderId],
    );
    return rows[0]?.ref ?? null;
  }
}
