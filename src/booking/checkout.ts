import type { AvailabilityService } from '../inventory/availability.js';
import type { Clock } from '../platform/clock.js';
import { groupedBatcher } from '../platform/batcher.js';
import type { GateHoldRef, HoldGate } from '../engine/hold-gate/port.js';
import { AppError } from '../contract/errors.js';
import type { Logger } from '../platform/logger.js';
import type { QueueService } from '../queue/service.js';
import type { TicketCodes } from './codes.js';
import type { BookingMetrics } from './metrics.js';
import { GATE_BATCHING } from './holds.js';
import { PaymentTimeoutError, type PaymentPort } from './payments.js';
import type { BookingRepository, IssuedTicketRow, OrderRow, OrderStatus } from './repository.js';

/** While one request charges an order, retries wait for it this long (beyond the provider's timeout). */
const CLAIM_MARGIN_MS = 5_000;
const WAIT_POLL_MS = 25;

/** A settled order, with its tickets when the settling request already knows them. */
type Settled = { order: OrderRow; tickets?: IssuedTicketRow[] };

export interface TicketView {
  id: string;
  orderId: string;
  performanceId: string;
  seatNo: number;
  code: string;
  status: 'valid' | 'used' | 'void';
  checkedInAt: string | null;
  qrUrl: string;
}

export interface OrderView {
  id: string;
  holdId: string;
  performanceId: string;
  seatNos: number[];
  amount: number;
  currency: string;
  status: OrderStatus;
  reason: string | null;
  createdAt: string;
  tickets: TicketView[];
}

export const ticketView = (t: IssuedTicketRow): TicketView => ({
  id: t.id,
  orderId: t.orderId,
  performanceId: t.performanceId,
  seatNo: t.seatNo,
  code: t.code,
  status: t.voidedAt ? 'void' : t.checkedInAt ? 'used' : 'valid',
  checkedInAt: t.checkedInAt?.toISOString() ?? null,
  qrUrl: `/api/tickets/${t.id}/qr.svg`,
});

/**
 * Checkout, orders and tickets. One order per Idempotency-Key; at any moment at most one request charges
 * an order (it holds a claim in the row), and the provider is asked with the order's own key, so retries
 * — concurrent, or after a crash — never charge twice. The charge is settled in one transaction that
 * checks the hold is still valid: paid with tickets, or refunded if the hold was lost meanwhile.
 */
export class CheckoutService {
  /** The sales of the settlements that commit together reach the gate in one engine call. */
  private readonly sell: (sale: { perf: string; hold: GateHoldRef }) => Promise<void>;

  constructor(
    private readonly engine: HoldGate,
    private readonly repository: BookingRepository,
    private readonly payments: PaymentPort,
    private readonly codes: TicketCodes,
    private readonly queue: QueueService,
    private readonly availability: AvailabilityService,
    private readonly metrics: BookingMetrics,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly paymentTimeoutMs: number,
  ) {
    this.sell = groupedBatcher(
      (sale: { perf: string; hold: GateHoldRef }) => sale.perf,
      async (perf, group) => {
        await this.engine.gateSellMany(
          perf,
          group.map((sale) => sale.hold),
        );
        return group.map(() => undefined);
      },
      { ...GATE_BATCHING, onBatch: (size) => metrics.engineBatchSize.observe({ call: 'sell' }, size) },
    );
  }

  async checkout(holdId: string, userId: string, key: string, card: string): Promise<OrderView> {
    const now = this.clock.now();
    let found: { order: OrderRow; created: boolean } | undefined;
    try {
      found = await this.repository.createOrder({
        holdId,
        userId,
        key,
        now: new Date(now),
        claimUntil: new Date(now + this.claimMs),
      });
    } catch (err) {
      if ((err as { constraint?: string }).constraint !== 'orders_one_pending_per_hold') throw err;
      // A concurrent request with the same key may have won the insert: then it is that order.
      const same = await this.repository.findOrderByKey(userId, key);
      if (!same) throw new AppError('CHECKOUT_IN_PROGRESS', undefined, { holdId });
      found = { order: same, created: false };
    }
    if (!found) throw await this.whyNoOrder(holdId, userId);
    const { order, created } = found;
    if (order.holdId !== holdId)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', undefined, { orderId: order.id });

    const settled = created ? await this.charge(order, card) : await this.resume(order, card);
    return this.outcome(settled);
  }

  /** Why the hold could not be checked out: someone else's or unknown (404), expired, released, paid. */
  private async whyNoOrder(holdId: string, userId: string): Promise<AppError> {
    const hold = await this.repository.findHold(holdId);
    if (!hold || hold.userId !== userId) return new AppError('HOLD_NOT_FOUND', undefined, { holdId });
    if (hold.state === 'ordered') return new AppError('HOLD_ALREADY_PAID', undefined, { holdId });
    if (hold.state === 'released') return new AppError('HOLD_RELEASED', undefined, { holdId });
    return new AppError('HOLD_EXPIRED', undefined, { holdId, expiresAt: hold.expiresAt.toISOString() });
  }

  private get claimMs(): number {
    return this.paymentTimeoutMs + CLAIM_MARGIN_MS;
  }

  /** An order created earlier under the same key: wait for its charger, or take over a crashed one. */
  private async resume(order: OrderRow, card: string): Promise<Settled> {
    // Waiting happens in real time, whatever clock the claims are stamped with.
    const deadline = Date.now() + this.claimMs + CLAIM_MARGIN_MS;
    let current = order;
    while (current.status === 'pending') {
      const now = this.clock.now();
      if (await this.repository.claimOrder(current.id, new Date(now), new Date(now + this.claimMs))) {
        // The previous charger died: the provider knows whether it charged.
        const previous = await this.payments.find(chargeKey(current.id));
        return previous ? this.settleCharged(current, previous.ref) : this.charge(current, card);
      }
      if (Date.now() > deadline)
        throw new AppError('CHECKOUT_IN_PROGRESS', undefined, { orderId: current.id });
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
      current = (await this.repository.findOrder(current.id))!;
    }
    return { order: current };
  }

  /** Charges a pending order this request has claimed, and settles it. */
  private async charge(order: OrderRow, card: string): Promise<Settled> {
    let result;
    try {
      result = await this.payments.charge({
        key: chargeKey(order.id),
        amount: order.amount,
        currency: order.currency,
        card,
      });
    } catch (err) {
      if (!(err instanceof PaymentTimeoutError)) {
        this.metrics.payments.inc({ outcome: 'error' });
        throw err; // the claim runs out and a retry takes over
      }
      this.metrics.payments.inc({ outcome: 'timeout' });
      // Unknown whether the provider charged: ask it, and give back anything it took.
      const late = await this.payments.find(chargeKey(order.id)).catch(() => null);
      if (late) await this.payments.refund(late.ref);
      await this.repository.settleUncharged(order.id, 'payment-timeout', {
        provider: this.payments.provider,
        status: 'failed',
      });
      this.metrics.orders.inc({ status: 'cancelled' });
      return { order: (await this.repository.findOrder(order.id))! };
    }
    if (result.status === 'declined') {
      this.metrics.payments.inc({ outcome: 'declined' });
      await this.repository.settleUncharged(order.id, result.reason, {
        provider: this.payments.provider,
        status: 'declined',
      });
      this.metrics.orders.inc({ status: 'cancelled' });
      return { order: (await this.repository.findOrder(order.id))! };
    }
    this.metrics.payments.inc({ outcome: 'succeeded' });
    return this.settleCharged(order, result.ref);
  }

  /** The provider took the money: tickets if the hold still stands, else an automatic refund. */
  private async settleCharged(order: OrderRow, ref: string): Promise<Settled> {
    const codes = order.seatNos.map(() => this.codes.issue());
    const settled = await this.repository.settlePaid(
      order.id,
      new Date(this.clock.now()),
      this.payments.provider,
      ref,
      codes,
    );
    if (settled.status === 'paid') {
      this.metrics.orders.inc({ status: 'paid' });
      this.metrics.revenue.inc({ currency: order.currency }, order.amount);
      this.metrics.ticketsSold.inc(order.seatNos.length);
      await this.afterPaid(order);
      // Everything the response needs is known here: no need to read the order back.
      const tickets = settled.tickets!.map((t) => ({
        id: t.id,
        orderId: order.id,
        userId: order.userId,
        performanceId: order.performanceId,
        seatNo: t.seatNo,
        code: codes[order.seatNos.indexOf(t.seatNo)]!,
        voidedAt: null,
        checkedInAt: null,
      }));
      return { order: { ...order, status: 'paid', reason: null }, tickets };
    }
    if (settled.status === 'pending') {
      await this.payments.refund(ref);
      this.metrics.payments.inc({ outcome: 'refunded' });
      await this.repository.settleRefunded(order.id, 'hold-expired', this.payments.provider, ref, 'pending');
      this.metrics.orders.inc({ status: 'refunded' });
    }
    return { order: (await this.repository.findOrder(order.id))! };
  }

  /** Engine bookkeeping after the sale committed; PostgreSQL already has the truth, so failures only log. */
  private async afterPaid(order: OrderRow): Promise<void> {
    await Promise.all([
      this.sell({
        perf: order.performanceId,
        hold: { holdId: order.holdId, userId: order.userId, seatNos: order.seatNos },
      }),
      order.passId
        ? this.queue.consumePass(order.performanceId, order.userId, Number(order.passId))
        : undefined,
    ]).catch((err: unknown) =>
      this.logger.warn({ err, orderId: order.id }, 'engine update after payment failed'),
    );
  }

  /** The response for a settled order: the order, or the error that explains it. */
  private async outcome({ order, tickets }: Settled): Promise<OrderView> {
    switch (order.status) {
      case 'paid':
        return tickets ? toView(order, tickets) : this.view(order);
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

  // ---- orders and tickets ----

  async order(orderId: string, userId: string): Promise<OrderView> {
    const order = await this.repository.findOrder(orderId);
    if (!order || order.userId !== userId) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    return this.view(order);
  }

  async orders(userId: string, limit: number, before?: string): Promise<OrderView[]> {
    const orders = await this.repository.listOrders(userId, limit, before);
    const tickets = await this.repository.ticketsOf(orders.map((o) => o.id));
    return orders.map((o) =>
      toView(
        o,
        tickets.filter((t) => t.orderId === o.id),
      ),
    );
  }

  /** The owner (or an admin) cancels a paid order: refund, codes voided, seats back on sale. */
  async cancel(orderId: string, caller: { userId: string; role: string }): Promise<OrderView> {
    const order = await this.repository.findOrder(orderId);
    if (!order || (order.userId !== caller.userId && caller.role !== 'admin')) {
      throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    }
    if (order.status !== 'paid')
      throw new AppError('ORDER_NOT_CANCELLABLE', undefined, { status: order.status });
    const ref = await this.repository.paymentRef(order.id);
    // Unsell in the gate first: a gate more permissive than PostgreSQL is harmless, the reverse is not.
    await this.engine.gateUnsell(order.performanceId, order.userId, order.seatNos, this.clock.now());
    if (ref) await this.payments.refund(ref);
    const { status, freed } = await this.repository.settleRefunded(
      order.id,
      'cancelled-by-buyer',
      this.payments.provider,
      ref ?? '',
      'paid',
    );
    if (status !== 'refunded' || freed.length === 0)
      throw new AppError('ORDER_NOT_CANCELLABLE', undefined, { status });
    this.metrics.payments.inc({ outcome: 'refunded' });
    this.metrics.orders.inc({ status: 'refunded' });
    await this.availability.markFree(order.performanceId, freed);
    return this.view((await this.repository.findOrder(order.id))!);
  }

  async ticket(ticketId: string, userId: string): Promise<TicketView> {
    const ticket = await this.repository.findTicket(ticketId);
    if (!ticket || ticket.userId !== userId) throw new AppError('TICKET_NOT_FOUND', undefined, { ticketId });
    return ticketView(ticket);
  }

  /** Door scanning: a forged code is unknown without asking the database; a valid one admits once. */
  async checkIn(code: string): Promise<TicketView> {
    if (!this.codes.isGenuine(code)) {
      this.metrics.checkins.inc({ outcome: 'unknown' });
      throw new AppError('TICKET_NOT_FOUND');
    }
    const { outcome, ticket } = await this.repository.checkIn(code, new Date(this.clock.now()));
    this.metrics.checkins.inc({ outcome });
    switch (outcome) {
      case 'admitted':
        return ticketView(ticket!);
      case 'used':
        throw new AppError('ALREADY_CHECKED_IN', undefined, {
          checkedInAt: ticket!.checkedInAt?.toISOString(),
        });
      case 'void':
        throw new AppError('TICKET_VOID');
      case 'unknown':
        throw new AppError('TICKET_NOT_FOUND');
    }
  }

  /** Settles orders whose charger crashed and whose hold has expired (the sweeper, on the leader). */
  async settleAbandoned(batch = 100): Promise<number> {
    const now = this.clock.now();
    const orders = await this.repository.abandonedOrders(new Date(now), batch);
    for (const order of orders) {
      if (!(await this.repository.claimOrder(order.id, new Date(now), new Date(now + this.claimMs))))
        continue;
      const charged = await this.payments.find(chargeKey(order.id));
      if (charged) await this.settleCharged(order, charged.ref);
      else {
        await this.repository.settleUncharged(order.id, 'abandoned', null);
        this.metrics.orders.inc({ status: 'cancelled' });
      }
    }
    return orders.length;
  }

  private async view(order: OrderRow): Promise<OrderView> {
    return toView(order, await this.repository.ticketsOf([order.id]));
  }
}

/** The provider-side idempotency key of an order's one charge. */
const chargeKey = (orderId: string) => `tmomi-order-${orderId}`;

function toView(order: OrderRow, tickets: IssuedTicketRow[]): OrderView {
  return {
    id: order.id,
    holdId: order.holdId,
    performanceId: order.performanceId,
    seatNos: order.seatNos,
    amount: order.amount,
    currency: order.currency,
    status: order.status,
    reason: order.reason,
    createdAt: order.createdAt.toISOString(),
    tickets: tickets.map(ticketView),
  };
}
