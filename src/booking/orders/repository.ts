import type { WaitlistOffer } from '../waitlist/offers.js';
import type { Db } from '../../platform/db.js';

export type OrderStatus = 'pending' | 'paid' | 'cancelled' | 'refunded';

export interface OrderRow {
  id: string;
  userId: string;
  performanceId: string;
  holdId: string;
  idempotencyKey: string;
  /** The seats the order has: all it bought, less those refunded while others stay valid. */
  seatNos: number[];
  /** The price each seat was held at, in seatNos order; null for a hold placed before migration 0010. */
  seatPrices: number[] | null;
  amount: number;
  currency: string;
  passId: string | null;
  status: OrderStatus;
  reason: string | null;
  chargeClaimedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An order with what its tickets are for: the performance, the event and the venue. */
export interface OrderDetailRow extends OrderRow {
  buyerName: string;
  startsAt: Date;
  refundUntil: Date;
  eventId: string;
  eventTitle: string;
  venueName: string;
  venueAddress: string;
}

export interface RefundRow {
  id: string;
  orderId: string;
  amount: number;
  ticketIds: string[];
  by: 'buyer' | 'admin' | 'system';
  adminId: string | null;
  reason: string;
  state: 'pending' | 'succeeded';
  createdAt: Date;
  completedAt: Date | null;
}

/** What a cancelled performance's refunds say first in their reason (mail finds their holders by it). */
export const CANCELLATION_REFUND = 'performance-cancelled';

/** A refund to decide: of these tickets (all valid ones when undefined), asked by the buyer or an admin. */
export interface RefundRequest {
  orderId: string;
  ticketIds?: string[];
  /** 'system': a cancelled performance's orders, refunded by its job. */
  by: 'buyer' | 'admin' | 'system';
  adminId?: string;
  reason: string;
  key?: string;
  now: Date;
  /** Buyers are held to the performance's refund deadline; admins are not. */
  checkDeadline: boolean;
}

/** What tmomi_refund decided (see its file). */
export type RefundDecision =
  /** `freed`: the seats back on open sale; `offers`: those that went to the waiting list instead. */
  | {
      outcome: 'refunded';
      refundId: string;
      amount: number;
      freed: number[];
      offers?: WaitlistOffer[];
      ref: string | null;
    }
  | { outcome: 'repeated'; refundId: string }
  | { outcome: 'unknown_order' }
  | { outcome: 'not_cancellable'; status: OrderStatus }
  | { outcome: 'unknown_ticket' | 'void' | 'used'; ticketIds: string[] }
  | { outcome: 'closed'; refundUntil: string };

/** The columns of an OrderRow, for `SELECT … FROM orders` and `RETURNING`. */
const orderColumns = (t: string) => `${t}.id::text, ${t}.user_id::text AS "userId",
  ${t}.performance_id::text AS "performanceId", ${t}.hold_id::text AS "holdId", ${t}.idempotency_key AS "idempotencyKey",
  ${t}.seat_nos AS "seatNos", ${t}.seat_prices AS "seatPrices", ${t}.amount, ${t}.currency, ${t}.pass_id::text AS "passId", ${t}.status, ${t}.reason,
  ${t}.charge_claimed_until AS "chargeClaimedUntil", ${t}.created_at AS "createdAt", ${t}.updated_at AS "updatedAt"`;
export const ORDER = orderColumns('orders');

const ORDER_DETAIL = `SELECT ${orderColumns('o')}, p.starts_at AS "startsAt", p.refund_until AS "refundUntil",
    e.id::text AS "eventId", e.title AS "eventTitle", v.name AS "venueName", v.address AS "venueAddress",
    u.name AS "buyerName"
  FROM orders o JOIN performances p ON p.id = o.performance_id JOIN events e ON e.id = p.event_id
    JOIN venues v ON v.id = e.venue_id JOIN users u ON u.id = o.user_id`;

const REFUND = `id::text, order_id::text AS "orderId", amount, ticket_ids::text[] AS "ticketIds", by,
  admin_id::text AS "adminId", reason, state, created_at AS "createdAt", completed_at AS "completedAt"`;

/** A refund to pay back: how much, of which charge. */
export interface PendingRefund {
  id: string;
  amount: number;
  ref: string | null;
}
const PENDING = `SELECT r.id::text, r.amount, p.provider_ref AS ref
  FROM refunds r LEFT JOIN payments p ON p.order_id = r.order_id WHERE r.state = 'pending'`;

/** Orders as they stand, and their refunds. */
export class OrderRepository {
  constructor(private readonly db: Db) {}

  async findOrder(id: string): Promise<OrderRow | undefined> {
    const { rows } = await this.db.query<OrderRow>(`SELECT ${ORDER} FROM orders WHERE id = $1`, [id]);
    return rows[0];
  }

  /** The next paid orders of a performance after `afterId`, in id order (a cancellation refunds them). */
  async paidOrderIds(performanceId: string, afterId: string, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id::text FROM orders WHERE performance_id = $1 AND status = 'paid' AND id > $2 ORDER BY id LIMIT $3`,
      [performanceId, afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  async findOrderDetail(id: string): Promise<OrderDetailRow | undefined> {
    const { rows } = await this.db.query<OrderDetailRow>(`${ORDER_DETAIL} WHERE o.id = $1`, [id]);
    return rows[0];
  }

  /**
   * A buyer's orders, newest first. Attempts never charged (declined, timed out, abandoned) are left
   * out: they are not purchases, and stay readable by id for support.
   */
  async listOrders(userId: string, limit: number, beforeId?: string): Promise<OrderDetailRow[]> {
    const { rows } = await this.db.query<OrderDetailRow>(
      `${ORDER_DETAIL} WHERE o.user_id = $1 AND o.status <> 'cancelled' AND ($2::bigint IS NULL OR o.id < $2)
       ORDER BY o.id DESC LIMIT $3`,
      [userId, beforeId ?? null, limit],
    );
    return rows;
  }

  async refundsOf(orderIds: string[]): Promise<RefundRow[]> {
    const { rows } = await this.db.query<RefundRow>(
      `SELECT ${REFUND} FROM refunds WHERE order_id = ANY ($1::bigint[]) ORDER BY refunds.id`,
      [orderIds],
    );
    return rows;
  }

  /** Decides a refund of a paid order and records it, pending the provider (tmomi_refund). */
  async refund(r: RefundRequest): Promise<RefundDecision> {
    const { rows } = await this.db.query<{ decision: RefundDecision }>(
      'SELECT tmomi_refund($1, $2, $3, $4, $5, $6, $7, $8) AS decision',
      [
        r.orderId,
        r.ticketIds ?? null,
        r.by,
        r.adminId ?? null,
        r.reason,
        r.key ?? null,
        r.now,
        r.checkDeadline,
      ],
    );
    return rows[0]!.decision;
  }

  /** The provider gave the money back. */
  async completeRefund(refundId: string, ref: string | null, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET state = 'succeeded', provider_ref = $2, completed_at = $3 WHERE id = $1 AND state = 'pending'`,
      [refundId, ref, now],
    );
  }

  /**
   * Refunds still not confirmed by the provider whose time to try again has come by `now` (their
   * requester died, or the provider failed), soonest first.
   */
  async dueRefunds(now: Date, limit: number): Promise<PendingRefund[]> {
    const { rows } = await this.db.query<PendingRefund>(
      `${PENDING} AND r.retry_at <= $1 ORDER BY r.retry_at LIMIT $2`,
      [now, limit],
    );
    return rows;
  }

  /** The provider failed refund `id`: try it again later, twice as late each time, at most an hour. */
  async refundFailed(id: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET attempts = attempts + 1,
         retry_at = $2::timestamptz + least(power(2, attempts), 3600) * interval '1 second'
       WHERE id = $1 AND state = 'pending'`,
      [id, now],
    );
  }

  /** Refund `id`, if it is still pending. */
  async pendingRefund(id: string): Promise<PendingRefund | undefined> {
    const { rows } = await this.db.query<PendingRefund>(`${PENDING} AND r.id = $1`, [id]);
    return rows[0];
  }

  /**
   * A charged order whose hold was lost is refunded whole (tmomi_settle_refunded): 'refunded', or the
   * status another request already settled it to. The provider has refunded already.
   */
  async settleRefunded(orderId: string, reason: string, provider: string, ref: string): Promise<OrderStatus> {
    const { rows } = await this.db.query<{ status: OrderStatus }>(
      'SELECT tmomi_settle_refunded($1, $2, $3, $4) AS status',
      [orderId, reason, provider, ref],
    );
    return rows[0]!.status;
  }
}
