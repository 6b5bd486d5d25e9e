import { AppError } from '../../contract/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { QueueService } from '../../queue/service.js';
import type { TicketCodes } from '../codes.js';
import type { BookingGate } from '../gate/service.js';
import type { HoldRepository } from '../holds/repository.js';
import type { BookingMetrics } from '../metrics.js';
import type { OrderRepository, OrderRow } from '../orders/repository.js';
import type { WaitlistOffers } from '../waitlist/offers.js';
import type { IssuedTicket, OrderView, OrderViews } from '../orders/view.js';
import { PaymentTimeoutError, type PaymentPort } from '../payments.js';
import type { CheckoutRepository } from './repository.js';

/** While one request charges an order, retries wait for it this long (beyond the provider's timeout). */
const CLAIM_MARGIN_MS = 5_000;
const WAIT_POLL_MS = 25;
/** A failed charger gives up its claim at once, or retries at these intervals while PostgreSQL is out. */
const GIVE_UP_FIRST_WAIT_MS = 100;
const GIVE_UP_MAX_WAIT_MS = 2_000;

/**
 * A settled order, as the request that settled it (or waited for it) last read it; with the tickets
 * and codes it issued when this request paid it.
 */
type Settled = { order: OrderRow; paid?: { tickets: IssuedTicket[]; codes: string[] } };

export interface CheckoutServiceOptions {
  repository: CheckoutRepository;
  orders: OrderRepository;
  /** Where an order is refused, why its hold cannot be paid for. */
  holds: Pick<HoldRepository, 'findHold'>;
  views: OrderViews;
  gate: BookingGate;
  payments: PaymentPort;
  codes: TicketCodes;
  queue: Pick<QueueService, 'consumePass'>;
  metrics: BookingMetrics;
  clock: Clock;
  logger: Logger;
  paymentTimeoutMs: number;
  /** A paid offer leaves its buyer's queue channel (decision 028). */
  offers: Pick<WaitlistOffers, 'handedOn'>;
}

/**
 * Checkout: one order per Idempotency-Key; at any moment at most one request charges an order (it
 * holds a claim in the row), and the provider is asked with the order's own key, so retries —
 * concurrent, or after a crash — never charge twice. The charge is settled in one transaction that
 * checks the hold is still valid: paid with tickets, or refunded if the hold was lost meanwhile.
 */
export class CheckoutService {
  constructor(private readonly deps: CheckoutServiceOptions) {}

  async checkout(holdId: string, userId: string, key: string, card: string): Promise<OrderView> {
    const { repository, clock } = this.deps;
    const now = clock.now();
    const claimUntil = new Date(now + this.claimMs);
    let found: { order: OrderRow; created: boolean } | undefined;
    try {
      found = await repository.createOrder({ holdId, userId, key, now: new Date(now), claimUntil });
    } catch (err) {
      if ((err as { constraint?: string }).constraint !== 'orders_one_pending_per_hold') throw err;
      // A concurrent request with the same key may have won the insert: then it is that order.
      const same = await repository.findOrderByKey(userId, key);
      if (!same) throw new AppError('CHECKOUT_IN_PROGRESS', undefined, { holdId });
      found = { order: same, created: false };
    }
    if (!found) throw await this.whyNoOrder(holdId, userId);
    const { order, created } = found;
    if (order.holdId !== holdId)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', undefined, { orderId: order.id });

    const settled = created
      ? await this.whileClaimed(order.id, claimUntil, () => this.charge(order, card))
      : await this.resume(order, card);
    return this.outcome(settled);
  }

  /**
   * Runs the charge of an order this request has claimed until `until`. If it fails — the provider's
   * error, or PostgreSQL cut off before the settlement — the claim is given up, so that the buyer's
   * retry with the same key takes the order over as soon as the database is back instead of waiting
   * for the claim to run out; asking the provider under the order's key first, it never charges twice.
   */
  private async whileClaimed(orderId: string, until: Date, charge: () => Promise<Settled>): Promise<Settled> {
    try {
      return await charge();
    } catch (err) {
      void this.giveUpClaim(orderId, until);
      throw err;
    }
  }

  /** Tries until it reaches PostgreSQL, or until the claim would have run out anyway. */
  private async giveUpClaim(orderId: string, until: Date): Promise<void> {
    const { repository, clock, logger } = this.deps;
    const deadline = Date.now() + this.claimMs;
    for (let wait = GIVE_UP_FIRST_WAIT_MS; ; wait = Math.min(wait * 2, GIVE_UP_MAX_WAIT_MS)) {
      try {
        await repository.releaseClaim(orderId, until, new Date(clock.now()));
        return;
      } catch (err) {
        if (Date.now() + wait > deadline) {
          logger.warn({ err, orderId }, 'could not give up a failed checkout’s claim; it runs out by itself');
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Why the hold could not be checked out: someone else's or unknown (404), expired, released, paid. */
  private async whyNoOrder(holdId: string, userId: string): Promise<AppError> {
    const hold = await this.deps.holds.findHold(holdId);
    if (!hold || hold.userId !== userId) return new AppError('HOLD_NOT_FOUND', undefined, { holdId });
    if (hold.state === 'ordered') return new AppError('HOLD_ALREADY_PAID', undefined, { holdId });
    if (hold.state === 'released') return new AppError('HOLD_RELEASED', undefined, { holdId });
    return new AppError('HOLD_EXPIRED', undefined, { holdId, expiresAt: hold.expiresAt.toISOString() });
  }

  private get claimMs(): number {
    return this.deps.paymentTimeoutMs + CLAIM_MARGIN_MS;
  }

  /** An order created earlier under the same key: wait for its charger, or take over a crashed one. */
  private async resume(order: OrderRow, card: string): Promise<Settled> {
    const { repository, orders, payments, clock } = this.deps;
    // Waiting happens in real time, whatever clock the claims are stamped with.
    const deadline = Date.now() + this.claimMs + CLAIM_MARGIN_MS;
    let current = order;
    while (current.status === 'pending') {
      const now = clock.now();
      const until = new Date(now + this.claimMs);
      if (await repository.claimOrder(current.id, new Date(now), until)) {
        // The previous charger died or gave up: the provider knows whether it charged.
        const claimed = current;
        return this.whileClaimed(claimed.id, until, async () => {
          const previous = await payments.find(chargeKey(claimed.id));
          return previous ? this.settleCharged(claimed, previous.ref) : this.charge(claimed, card);
        });
      }
      if (Date.now() > deadline)
        throw new AppError('CHECKOUT_IN_PROGRESS', undefined, { orderId: current.id });
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
      current = (await orders.findOrder(current.id))!;
    }
    return { order: current };
  }

  /** Charges a pending order this request has claimed, and settles it. */
  private async charge(order: OrderRow, card: string): Promise<Settled> {
    const { repository, orders, payments, metrics } = this.deps;
    let result;
    try {
      result = await payments.charge({
        key: chargeKey(order.id),
        amount: order.amount,
        currency: order.currency,
        card,
      });
    } catch (err) {
      if (!(err instanceof PaymentTimeoutError)) {
        metrics.payments.inc({ outcome: 'error' });
        throw err; // the claim runs out and a retry takes over
      }
      metrics.payments.inc({ outcome: 'timeout' });
      // Unknown whether the provider charged: ask it, and give back anything it took.
      const late = await payments.find(chargeKey(order.id)).catch(() => null);
      if (late) await payments.refund({ ref: late.ref, amount: order.amount, key: wholeRefundKey(order.id) });
      await repository.settleUncharged(order.id, 'payment-timeout', {
        provider: payments.provider,
        status: 'failed',
      });
      metrics.orders.inc({ status: 'cancelled' });
      return { order: (await orders.findOrder(order.id))! };
    }
    if (result.status === 'declined') {
      metrics.payments.inc({ outcome: 'declined' });
      await repository.settleUncharged(order.id, result.reason, {
        provider: payments.provider,
        status: 'declined',
      });
      metrics.orders.inc({ status: 'cancelled' });
      return { order: (await orders.findOrder(order.id))! };
    }
    metrics.payments.inc({ outcome: 'succeeded' });
    return this.settleCharged(order, result.ref);
  }

  /** The provider took the money: tickets if the hold still stands, else an automatic refund. */
  private async settleCharged(order: OrderRow, ref: string): Promise<Settled> {
    const { repository, orders, payments, codes: issuer, metrics, clock } = this.deps;
    const codes = order.seatNos.map(() => issuer.issue());
    const settled = await repository.settlePaid(
      order.id,
      new Date(clock.now()),
      payments.provider,
      ref,
      codes,
    );
    if (settled.status === 'paid') {
      metrics.orders.inc({ status: 'paid' });
      metrics.revenue.inc({ currency: order.currency }, order.amount);
      metrics.ticketsSold.inc(order.seatNos.length);
      await this.afterPaid(order);
      return {
        order: { ...order, status: 'paid', reason: null },
        paid: { tickets: settled.tickets!, codes },
      };
    }
    if (settled.status === 'pending') {
      // Two settlers of one order (a crashed charger's claim taken over) both land here: the refund's
      // key makes the provider give the money back once, and only one of them records it.
      await payments.refund({ ref, amount: order.amount, key: wholeRefundKey(order.id) });
      metrics.payments.inc({ outcome: 'refunded' });
      if ((await orders.settleRefunded(order.id, 'hold-expired', payments.provider, ref)) === 'refunded') {
        metrics.orders.inc({ status: 'refunded' });
        metrics.refunds.inc({ by: 'system' });
        metrics.refunded.inc({ currency: order.currency }, order.amount);
      }
    }
    return { order: (await orders.findOrder(order.id))! };
  }

  /** Engine bookkeeping after the sale committed; PostgreSQL already has the truth, so failures only log. */
  private async afterPaid(order: OrderRow): Promise<void> {
    await Promise.all([
      this.deps.gate.sell(order.performanceId, {
        holdId: order.holdId,
        userId: order.userId,
        seatNos: order.seatNos,
      }),
      order.passId
        ? this.deps.queue.consumePass(order.performanceId, order.userId, Number(order.passId))
        : undefined,
      this.deps.offers.handedOn(order.performanceId, [order], undefined),
    ]).catch((err: unknown) =>
      this.deps.logger.warn({ err, orderId: order.id }, 'engine update after payment failed'),
    );
  }

  /** The response for a settled order: the order, or the error that explains it. */
  private async outcome({ order, paid }: Settled): Promise<OrderView> {
    const { views } = this.deps;
    switch (order.status) {
      case 'paid':
        return paid ? views.ofPaid(order, paid.tickets, paid.codes) : (await views.byId(order.id))!;
      case 'cancelled':
        if (order.reason === 'payment-timeout')
          throw new AppError('PAYMENT_TIMEOUT', undefined, { orderId: order.id });
        throw new AppError('PAYMENT_DECLINED', undefined, { orderId: order.id, reason: order.reason });
      case 'refunded':
        throw new AppError(
          'HOLD_EXPIRED',
          'Your hold expired before the payment completed; the payment was refunded in full.',
          { orderId: order.id, refunded: true },
        );
      case 'pending':
        throw new AppError('CHECKOUT_IN_PROGRESS', undefined, { orderId: order.id });
    }
  }

  /** Settles orders whose charger crashed and whose hold has expired (the sweeper, on the leader). */
  async settleAbandoned(batch = 100): Promise<number> {
    const { repository, payments, metrics, clock } = this.deps;
    const now = clock.now();
    const orders = await repository.abandonedOrders(new Date(now), batch);
    for (const order of orders) {
      if (!(await repository.claimOrder(order.id, new Date(now), new Date(now + this.claimMs)))) continue;
      const charged = await payments.find(chargeKey(order.id));
      if (charged) await this.settleCharged(order, charged.ref);
      else {
        await repository.settleUncharged(order.id, 'abandoned', null);
        metrics.orders.inc({ status: 'cancelled' });
      }
    }
    return orders.length;
  }
}

/** The provider-side idempotency key of an order's one charge. */
const chargeKey = (orderId: string) => `tmomi-order-${orderId}`;
/** The key of the one refund of a whole charge whose order could not be kept (a timeout, a lost hold). */
const wholeRefundKey = (orderId: string) => `tmomi-refund-order-${orderId}`;
