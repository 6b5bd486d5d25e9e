import { Batcher, inRounds, unwrap, type RoundResult } from '../../platform/batcher.js';
import type { Db } from '../../platform/db.js';
import { ORDER, type OrderRow, type OrderStatus } from '../orders/repository.js';
import { DEADLOCK, dbBatching, sqlState, type BatchedRepositoryOptions } from '../sql.js';

export interface NewOrder {
  holdId: string;
  userId: string;
  key: string;
  now: Date;
  claimUntil: Date;
}

export type CreatedOrder = { order: OrderRow; created: boolean } | undefined;

interface ChargedOrder {
  orderId: string;
  now: Date;
  provider: string;
  ref: string;
  codes: string[];
}

export type SettleOutcome = { status: OrderStatus; tickets?: { id: string; seatNo: number }[] };

/**
 * A checkout's writes: the order for a hold (batched), the claim on charging it, and its settlement
 * once the provider answered (batched).
 */
export class CheckoutRepository {
  private readonly db: Db;
  private readonly orderBatches: Batcher<NewOrder, RoundResult<CreatedOrder>>;
  private readonly settleBatches: Batcher<ChargedOrder, SettleOutcome>;

  constructor({ db, metrics }: BatchedRepositoryOptions) {
    this.db = db;
    // A round never has two orders of one key or for one hold, which the second must see committed.
    this.orderBatches = new Batcher(
      (orders) =>
        inRounds(
          orders,
          (o) => [`k${o.userId}:${o.key}`, `h${o.holdId}`],
          (round) => this.createOrders(round),
        ),
      dbBatching('order', metrics),
    );
    // The money is taken: a deadlock victim (undone whole, and idempotent) is settled again at once
    // rather than left to the buyer's retry.
    this.settleBatches = new Batcher(
      (orders) =>
        this.settleMany(orders).catch((err: unknown) => {
          if (sqlState(err) !== DEADLOCK) throw err;
          return this.settleMany(orders);
        }),
      dbBatching('settle', metrics),
    );
  }

  private async settleMany(orders: ChargedOrder[]): Promise<SettleOutcome[]> {
    const { rows } = await this.db.query<{ settled: SettleOutcome }>(
      'SELECT settled FROM tmomi_settle_paid_many($1, $2, $3, $4, $5, $6)',
      [
        orders.map((o) => o.orderId),
        orders.map((o) => o.now),
        orders.map((o) => o.provider),
        orders.map((o) => o.ref),
        orders.map((o) => o.codes.length),
        orders.flatMap((o) => o.codes),
      ],
    );
    return rows.map((r) => r.settled);
  }

  /**
   * Creates the order for an active, unexpired hold of this buyer, claimed for charging by the caller;
   * or, when this buyer already used `key`, returns that order (created: false). Undefined when the hold
   * is not the buyer's active one (the caller finds out why). Throws 23505 on orders_one_pending_per_hold.
   */
  createOrder(o: NewOrder): Promise<CreatedOrder> {
    return this.orderBatches.call(o).then(unwrap);
  }

  /**
   * One round of createOrder: one INSERT (one durable commit) for all, then the keys used before. The
   * holds are read by id alone: given `state = 'active'`, the planner, which believes the holds table
   * nearly empty during a sale (decision 009), reads every entry of holds_expiry instead (decision 011).
   */
  private async createOrders(orders: NewOrder[]): Promise<CreatedOrder[]> {
    const { rows } = await this.db.query<OrderRow>(
      `WITH h AS MATERIALIZED (SELECT * FROM holds WHERE id = ANY ($1::uuid[]))
       INSERT INTO orders (user_id, performance_id, hold_id, idempotency_key, seat_nos, seat_prices, amount, currency, pass_id, charge_claimed_until)
       SELECT h.user_id, h.performance_id, h.id, x.key, h.seat_nos, h.seat_prices, h.amount, h.currency, h.pass_id, x.claim
       FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS x (hold, usr, key, now, claim)
         JOIN h ON h.id = x.hold AND h.user_id = x.usr AND h.state = 'active' AND h.expires_at > x.now
       ON CONFLICT (user_id, idempotency_key) DO NOTHING
       RETURNING ${ORDER}`,
      [
        orders.map((o) => o.holdId),
        orders.map((o) => o.userId),
        orders.map((o) => o.key),
        orders.map((o) => o.now),
        orders.map((o) => o.claimUntil),
      ],
    );
    const created = new Map(rows.map((r) => [`${r.userId}:${r.idempotencyKey}`, r]));
    return Promise.all(
      orders.map(async (o): Promise<CreatedOrder> => {
        const order = created.get(`${o.userId}:${o.key}`);
        if (order) return { order, created: true };
        const existing = await this.findOrderByKey(o.userId, o.key);
        return existing ? { order: existing, created: false } : undefined;
      }),
    );
  }

  async findOrderByKey(userId: string, key: string): Promise<OrderRow | undefined> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER} FROM orders WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    return rows[0];
  }

  /** Takes the right to charge a pending order until `until`, if nobody holds it (or theirs ran out). */
  async claimOrder(id: string, now: Date, until: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE orders SET charge_claimed_until = $3
       WHERE id = $1 AND status = 'pending' AND (charge_claimed_until IS NULL OR charge_claimed_until <= $2)`,
      [id, now, until],
    );
    return rowCount === 1;
  }

  /**
   * Gives up this request's claim (`until`, as it took it) on a pending order: it runs out `now`. Not
   * cleared: the sweeper finds abandoned orders by their claim having run out.
   */
  async releaseClaim(id: string, until: Date, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE orders SET charge_claimed_until = $3
       WHERE id = $1 AND status = 'pending' AND charge_claimed_until = $2`,
      [id, until, now],
    );
  }

  /** Pending orders whose charger is gone (claim ran out) and whose hold has expired: the sweeper settles them. */
  async abandonedOrders(now: Date, limit: number): Promise<OrderRow[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER} FROM orders WHERE status = 'pending' AND charge_claimed_until <= $1
         AND EXISTS (SELECT 1 FROM holds h WHERE h.id = orders.hold_id AND h.expires_at <= $1)
       ORDER BY orders.id LIMIT $2`,
      [now, limit],
    );
    return rows;
  }

  /**
   * See tmomi_settle_paid_many, batched with the other settlements of this node at the same moment:
   * 'paid' with the issued tickets' ids, 'pending' (the hold was lost: refund), or the status another
   * request already settled the order to. The commit is durable.
   */
  settlePaid(
    orderId: string,
    now: Date,
    provider: string,
    ref: string,
    codes: string[],
  ): Promise<SettleOutcome> {
    return this.settleBatches.call({ orderId, now, provider, ref, codes });
  }

  /**
   * A pending order that was never charged (declined, timed out, abandoned): cancelled, the hold stays,
   * `order.cancelled` in the outbox (tmomi_settle_uncharged). Returns 'cancelled', or the status another
   * request already settled the order to.
   */
  async settleUncharged(
    orderId: string,
    reason: string,
    payment: { provider: string; status: 'declined' | 'failed' } | null,
  ): Promise<OrderStatus> {
    const { rows } = await this.db.query<{ status: OrderStatus }>(
      'SELECT tmomi_settle_uncharged($1, $2, $3, $4) AS status',
      [orderId, reason, payment?.provider ?? null, payment?.status ?? null],
    );
    return rows[0]!.status;
  }
}
