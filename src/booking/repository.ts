import type { Db } from '../platform/db.js';
import { Batcher, inRounds, unwrap, type RoundResult } from '../platform/batcher.js';
import type { GateSnapshot } from '../engine/hold-gate/port.js';
import type { BookingMetrics } from './metrics.js';

export type HoldState = 'active' | 'released' | 'expired' | 'ordered';
export type OrderStatus = 'pending' | 'paid' | 'cancelled' | 'refunded';

export interface HoldRow {
  id: string;
  userId: string;
  performanceId: string;
  seatNos: number[];
  amount: number;
  currency: string;
  expiresAt: Date;
  state: HoldState;
  passId: string | null;
}

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

export interface IssuedTicketRow {
  id: string;
  orderId: string;
  userId: string;
  performanceId: string;
  seatNo: number;
  code: string;
  voidedAt: Date | null;
  checkedInAt: Date | null;
}

/** Raised by tmomi_place_holds when its guarded update misses a seat (it never should: see its file). */
export const SEAT_TAKEN = 'TM001';
export const DEADLOCK = '40P01';

const HOLD = `id::text, user_id::text AS "userId", performance_id::text AS "performanceId", seat_nos AS "seatNos",
  amount, currency, expires_at AS "expiresAt", state, pass_id::text AS "passId"`;
const ORDER = `id::text, user_id::text AS "userId", performance_id::text AS "performanceId", hold_id::text AS "holdId",
  idempotency_key AS "idempotencyKey", seat_nos AS "seatNos", amount, currency, pass_id::text AS "passId", status, reason,
  charge_claimed_until AS "chargeClaimedUntil", created_at AS "createdAt", updated_at AS "updatedAt"`;
const TICKET = `t.id::text, t.order_id::text AS "orderId", o.user_id::text AS "userId",
  t.performance_id::text AS "performanceId", t.seat_no AS "seatNo", t.code, t.voided_at AS "voidedAt",
  t.checked_in_at AS "checkedInAt"`;

/** A hold to place: as it will be stored, with the instant it is decided at and the buyer's cap. */
export type NewHold = Pick<
  HoldRow,
  'id' | 'userId' | 'performanceId' | 'seatNos' | 'amount' | 'currency' | 'expiresAt'
> & {
  now: Date;
  cap: number;
  passId: number | null;
  /** The request's Idempotency-Key: one hold per buyer, performance and key (migration 0007). */
  requestKey: string | null;
};

/** held · taken: these seats cannot be taken now · limit: the buyer already has `count` seats. */
export type PlaceOutcome =
  { outcome: 'held' } | { outcome: 'taken'; seatNos: number[] } | { outcome: 'limit'; count: number };

interface NewOrder {
  holdId: string;
  userId: string;
  key: string;
  now: Date;
  claimUntil: Date;
}

type CreatedOrder = { order: OrderRow; created: boolean } | undefined;

interface ChargedOrder {
  orderId: string;
  now: Date;
  provider: string;
  ref: string;
  codes: string[];
}

export type SettleOutcome = { status: OrderStatus; tickets?: { id: string; seatNo: number }[] };

/** How many batched calls of one kind may run at once; more calls wait and join the next batch. */
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 200;

export class BookingRepository {
  private readonly holdBatches: Batcher<NewHold, RoundResult<PlaceOutcome>>;
  private readonly orderBatches: Batcher<NewOrder, RoundResult<CreatedOrder>>;
  private readonly settleBatches: Batcher<ChargedOrder, SettleOutcome>;

  constructor(
    private readonly db: Db,
    metrics?: Pick<BookingMetrics, 'dbBatchSize'>,
  ) {
    const opts = (call: string) => ({
      maxBatch: MAX_BATCH,
      maxInFlight: MAX_IN_FLIGHT,
      onBatch: (size: number) => metrics?.dbBatchSize.observe({ call }, size),
    });
    // A round never has two holds of one buyer or for one seat (tmomi_place_holds decides a round at once).
    this.holdBatches = new Batcher(
      (holds) =>
        inRounds(
          holds,
          (h) => [`u${h.performanceId}:${h.userId}`, ...h.seatNos.map((s) => `s${h.performanceId}:${s}`)],
          (round) => this.placeRound(round),
        ),
      opts('place'),
    );
    // … nor two orders of one key or for one hold, which the second must see committed.
    this.orderBatches = new Batcher(
      (orders) =>
        inRounds(
          orders,
          (o) => [`k${o.userId}:${o.key}`, `h${o.holdId}`],
          (round) => this.createOrders(round),
        ),
      opts('order'),
    );
    // The money is taken: a deadlock victim (undone whole, and idempotent) is settled again at once
    // rather than left to the buyer's retry.
    this.settleBatches = new Batcher(
      (orders) =>
        this.settleMany(orders).catch((err: unknown) => {
          if ((err as { code?: string }).code !== DEADLOCK) throw err;
          return this.settleMany(orders);
        }),
      opts('settle'),
    );
  }

  private async placeRound(holds: NewHold[]): Promise<PlaceOutcome[]> {
    const { rows } = await this.db.query<{ outcome: number; detail: number[] | null }>(
      'SELECT outcome, detail FROM tmomi_place_holds($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
      [
        holds.map((h) => h.id),
        holds.map((h) => h.userId),
        holds.map((h) => h.performanceId),
        holds.map((h) => h.seatNos.length),
        holds.flatMap((h) => h.seatNos),
        holds.map((h) => h.amount),
        holds.map((h) => h.currency),
        holds.map((h) => h.expiresAt),
        holds.map((h) => h.now),
        holds.map((h) => h.cap),
        holds.map((h) => h.passId),
        holds.map((h) => h.requestKey),
      ],
    );
    return rows.map(({ outcome, detail }): PlaceOutcome => {
      if (outcome === 1) return { outcome: 'held' };
      if (outcome === 2) return { outcome: 'limit', count: detail![0]! };
      return { outcome: 'taken', seatNos: detail! };
    });
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
   * Cap check, hold row and the guarded ticket flip (tmomi_place_holds), batched with the other holds
   * this node is placing at the same moment: one round trip and one commit for all of them, each with
   * its own outcome.
   */
  async placeHold(hold: NewHold): Promise<PlaceOutcome> {
    return unwrap(await this.holdBatches.call(hold));
  }

  /** Which of these seats cannot be taken now (to tell a buyer precisely after a refused hold). */
  async unavailableSeats(performanceId: string, seatNos: number[], now: Date): Promise<number[]> {
    const { rows } = await this.db.query<{ seatNo: number }>(
      `SELECT seat_no AS "seatNo" FROM tickets
       WHERE performance_id = $1 AND seat_no = ANY ($2) AND (status = 2 OR (status = 1 AND held_until > $3))
       ORDER BY seat_no`,
      [performanceId, seatNos, now],
    );
    return rows.map((r) => r.seatNo);
  }

  async findHold(id: string): Promise<HoldRow | undefined> {
    const { rows } = await this.db.query<HoldRow>(`SELECT ${HOLD} FROM holds WHERE id = $1`, [id]);
    return rows[0];
  }

  /** The hold a buyer's request with this Idempotency-Key made for the performance, whatever its state. */
  async findHoldByKey(userId: string, performanceId: string, key: string): Promise<HoldRow | undefined> {
    const { rows } = await this.db.query<HoldRow>(
      `SELECT ${HOLD} FROM holds WHERE user_id = $1 AND performance_id = $2 AND request_key = $3`,
      [userId, performanceId, key],
    );
    return rows[0];
  }

  /**
   * Releases an active hold of this buyer: its seats (those it still holds) back to available
   * (tmomi_release_hold). Returns the hold as released, or undefined when there is no such active hold.
   */
  async releaseHold(id: string, userId: string): Promise<HoldRow | undefined> {
    const { rows } = await this.db.query<HoldRow>(`SELECT ${HOLD} FROM tmomi_release_hold($1, $2)`, [
      id,
      userId,
    ]);
    return rows[0];
  }

  /**
   * The sweeper's batch (tmomi_expire_holds): up to `limit` holds that expired by `now` become expired
   * and the seats they still hold free (a seat taken over in place by a newer hold is left alone).
   * Returns the holds and the seats actually freed.
   */
  async expireHolds(
    now: Date,
    limit: number,
  ): Promise<{ holds: HoldRow[]; freed: { performanceId: string; seatNo: number }[] }> {
    const { rows: holds } = await this.db.query<HoldRow & { freed: number[] }>(
      `SELECT ${HOLD}, freed FROM (SELECT (e.expired).*, e.freed FROM tmomi_expire_holds($1, $2) AS e) AS e`,
      [now, limit],
    );
    const freed = holds.flatMap((h) => h.freed.map((seatNo) => ({ performanceId: h.performanceId, seatNo })));
    return { holds, freed };
  }

  /** What the engine gate is rebuilt from: live holds and sold seats with their buyers. */
  async gateSnapshot(performanceId: string, now: Date): Promise<GateSnapshot> {
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

  // ---- orders ----

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
       INSERT INTO orders (user_id, performance_id, hold_id, idempotency_key, seat_nos, amount, currency, pass_id, charge_claimed_until)
       SELECT h.user_id, h.performance_id, h.id, x.key, h.seat_nos, h.amount, h.currency, h.pass_id, x.claim
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

  /** Takes the right to charge a pending order until `until`, if nobody holds it (or theirs ran out). */
  async claimOrder(id: string, now: Date, until: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE orders SET charge_claimed_until = $3
       WHERE id = $1 AND status = 'pending' AND (charge_claimed_until IS NULL OR charge_claimed_until <= $2)`,
      [id, now, until],
    );
    return rowCount === 1;
  }

  /** Pending orders whose charger is gone (claim ran out) and whose hold has expired: the sweeper settles them. */
  async abandonedOrders(now: Date, limit: number): Promise<OrderRow[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER} FROM orders o WHERE status = 'pending' AND charge_claimed_until <= $1
         AND EXISTS (SELECT 1 FROM holds h WHERE h.id = o.hold_id AND h.expires_at <= $1)
       ORDER BY id LIMIT $2`,
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

  // ---- issued tickets ----

  async ticketsOf(orderIds: string[]): Promise<IssuedTicketRow[]> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `SELECT ${TICKET} FROM issued_tickets t JOIN orders o ON o.id = t.order_id
       WHERE t.order_id = ANY ($1::bigint[]) ORDER BY t.order_id, t.seat_no`,
      [orderIds],
    );
    return rows;
  }

  async findTicket(id: string): Promise<IssuedTicketRow | undefined> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `SELECT ${TICKET} FROM issued_tickets t JOIN orders o ON o.id = t.order_id WHERE t.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Admits a valid code once: 'admitted', 'used' (already checked in, with when), 'void', or 'unknown'. */
  async checkIn(
    code: string,
    now: Date,
  ): Promise<{ outcome: 'admitted' | 'used' | 'void' | 'unknown'; ticket?: IssuedTicketRow }> {
    const { rows } = await this.db.query<IssuedTicketRow>(
      `WITH hit AS (UPDATE issued_tickets SET checked_in_at = $2
                    WHERE code = $1 AND checked_in_at IS NULL AND voided_at IS NULL RETURNING *)
       SELECT ${TICKET} FROM hit t JOIN orders o ON o.id = t.order_id`,
      [code, now],
    );
    if (rows[0]) return { outcome: 'admitted', ticket: rows[0] };
    const { rows: known } = await this.db.query<IssuedTicketRow>(
      `SELECT ${TICKET} FROM issued_tickets t JOIN orders o ON o.id = t.order_id WHERE t.code = $1`,
      [code],
    );
    const ticket = known[0];
    if (!ticket) return { outcome: 'unknown' };
    return { outcome: ticket.voidedAt ? 'void' : 'used', ticket };
  }
}
