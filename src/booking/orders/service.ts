import type { AvailabilityService } from '../../inventory/availability.js';
import { AppError } from '../../contract/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { BookingGate } from '../gate/service.js';
import type { BookingMetrics } from '../metrics.js';
import type { PaymentPort } from '../payments.js';
import type { TicketLocale } from '../tickets/labels.js';
import { ticketsPdf } from '../tickets/pdf.js';
import { offeredSeats, type WaitlistOffers } from '../waitlist/offers.js';
import {
  CANCELLATION_REFUND,
  type OrderRepository,
  type OrderRow,
  type RefundDecision,
  type RefundRequest,
} from './repository.js';
import type { OrderView, OrderViews } from './view.js';

export interface OrderServiceOptions {
  repository: OrderRepository;
  views: OrderViews;
  gate: BookingGate;
  payments: PaymentPort;
  availability: AvailabilityService;
  metrics: BookingMetrics;
  clock: Clock;
  logger: Logger;
  offers: Pick<WaitlistOffers, 'handedOn'>;
}

/** What a refund asks for: some tickets (all valid ones when left out), under an Idempotency-Key. */
export interface RefundAsk {
  ticketIds?: string[];
  key?: string;
}

/** The provider-side key of refund `id`: asked again (a retry, the sweeper), it refunds once. */
export const refundKey = (refundId: string) => `tmomi-refund-${refundId}`;

/**
 * Orders after the sale: read by their buyer, and refunded — whole or some tickets — by the buyer before
 * the performance's deadline, or by an admin at any time with a reason. PostgreSQL decides a refund
 * and puts the seats back on sale in one transaction (tmomi_refund); the provider then pays it back
 * under the refund's own key, so a retry or the sweeper never pays twice.
 */
export class OrderService {
  constructor(private readonly deps: OrderServiceOptions) {}

  async order(orderId: string, userId: string): Promise<OrderView> {
    const order = await this.deps.repository.findOrderDetail(orderId);
    if (!order || order.userId !== userId) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    return (await this.deps.views.of([order]))[0]!;
  }

  /** The order's tickets as a PDF, one page each, in the buyer's language; only a paid order has them. */
  async ticketsPdf(orderId: string, userId: string, locale: TicketLocale): Promise<Buffer> {
    const order = await this.deps.repository.findOrderDetail(orderId);
    if (!order || order.userId !== userId) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    if (order.status === 'pending' || order.status === 'cancelled')
      throw new AppError('TICKET_NOT_FOUND', 'This order was never paid, so it has no tickets.', { orderId });
    const [view] = await this.deps.views.of([order]);
    return ticketsPdf(view!, { holder: order.buyerName, locale });
  }

  /**
   * The order as its buyer's mail shows it (src/mail): the view, the buyer's name, and (`withPdf`) the
   * tickets PDF while any ticket still admits. Undefined for an order that is gone.
   */
  async forMail(
    orderId: string,
    opts: { locale: TicketLocale; withPdf: boolean },
  ): Promise<{ order: OrderView; holder: string; pdf: Buffer | null } | undefined> {
    const order = await this.deps.repository.findOrderDetail(orderId);
    if (!order) return undefined;
    const [view] = await this.deps.views.of([order]);
    const live = view!.tickets.some((t) => t.status !== 'void');
    const pdf =
      live && opts.withPdf ? await ticketsPdf(view!, { holder: order.buyerName, locale: opts.locale }) : null;
    return { order: view!, holder: order.buyerName, pdf };
  }

  async orders(userId: string, limit: number, before?: string): Promise<OrderView[]> {
    return this.deps.views.of(await this.deps.repository.listOrders(userId, limit, before));
  }

  /** The buyer cancels some or all tickets of their order, before the refund deadline. */
  async cancel(orderId: string, userId: string, ask: RefundAsk): Promise<OrderView> {
    const order = await this.deps.repository.findOrder(orderId);
    if (!order || order.userId !== userId) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    return this.refund(order, { by: 'buyer', reason: 'cancelled-by-buyer', checkDeadline: true }, ask);
  }

  /** An admin refunds some or all tickets of any order, deadline or not, saying why. */
  async adminRefund(orderId: string, adminId: string, reason: string, ask: RefundAsk): Promise<OrderView> {
    const order = await this.deps.repository.findOrder(orderId);
    if (!order) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    return this.refund(order, { by: 'admin', adminId, reason, checkDeadline: false }, ask);
  }

  /**
   * Refunds a cancelled performance's order in full, deadline or not. Keyed by the order, so the job
   * that asks again after a crash finds the refund it made instead of a second one.
   */
  async refundCancelled(orderId: string, reason: string): Promise<void> {
    const order = await this.deps.repository.findOrder(orderId);
    if (!order || order.status !== 'paid') return;
    await this.refund(
      order,
      { by: 'system', reason: `${CANCELLATION_REFUND}: ${reason}`, checkDeadline: false },
      { key: `${CANCELLATION_REFUND}:${orderId}` },
    );
  }

  private async refund(
    order: OrderRow,
    who: Pick<RefundRequest, 'by' | 'adminId' | 'reason' | 'checkDeadline'>,
    ask: RefundAsk,
  ): Promise<OrderView> {
    const { repository, views, gate, availability, metrics, clock, logger, offers } = this.deps;
    const decision = await repository.refund({
      ...who,
      orderId: order.id,
      ticketIds: ask.ticketIds,
      key: ask.key,
      now: new Date(clock.now()),
    });
    if (decision.outcome === 'refunded') {
      metrics.refunds.inc({ by: who.by });
      metrics.refunded.inc({ currency: order.currency }, decision.amount);
      await this.payBack(decision.refundId, decision.amount, decision.ref);
      // The engine hears after PostgreSQL: for the moment between, the gate still calls the seats sold,
      // which only turns buyers away. Should the engine fail here, the refund stands; the gate's own
      // expiry (GATE_TTL_MS) and the seat map's rebuild put them right.
      // Seats that went to the waiting list stay taken on the map; the gate marks them by their offer.
      const offered = [...offeredSeats(decision.offers)];
      await Promise.all([
        gate
          .unsell(order.performanceId, order.userId, [...decision.freed, ...offered])
          .then(() => offers.handedOn(order.performanceId, [], decision.offers)),
        availability.markFree(order.performanceId, decision.freed),
      ]).catch((err: unknown) =>
        logger.warn({ err, orderId: order.id }, 'engine update after refund failed'),
      );
    } else if (decision.outcome === 'repeated') {
      await this.finishRefund(decision.refundId);
    } else throw refusal(decision, order.id);
    const view = (await views.byId(order.id))!;
    if (decision.outcome === 'refunded' && view.status === 'refunded')
      metrics.orders.inc({ status: 'refunded' });
    return view;
  }

  /**
   * Asks the provider to pay refund `refundId` back and marks it succeeded. A provider failure leaves
   * it pending (the order already shows it): the sweeper asks again.
   */
  private async payBack(refundId: string, amount: number, ref: string | null): Promise<void> {
    const { repository, payments, metrics, clock, logger } = this.deps;
    try {
      if (ref && amount > 0) await payments.refund({ ref, amount, key: refundKey(refundId) });
      await repository.completeRefund(refundId, ref, new Date(clock.now()));
      metrics.payments.inc({ outcome: 'refunded' });
    } catch (err) {
      metrics.payments.inc({ outcome: 'error' });
      logger.warn({ err, refundId }, 'refund not paid back yet; the sweeper will ask again');
      // Left as it is if even this fails: then the sweeper simply tries again sooner.
      await repository
        .refundFailed(refundId, new Date(clock.now()))
        .catch((failed: unknown) => logger.warn({ err: failed, refundId }, 'refund retry not rescheduled'));
    }
  }

  /** A retried request found its refund: if it is still pending, ask the provider again. */
  private async finishRefund(refundId: string): Promise<void> {
    const pending = await this.deps.repository.pendingRefund(refundId);
    if (pending) await this.payBack(pending.id, pending.amount, pending.ref);
  }

  /**
   * The sweeper's part: refunds the provider has not confirmed, once their requester has had 30 s
   * (tmomi_refund) or their last failure has waited out its backoff.
   */
  async finishAbandonedRefunds(batch = 50): Promise<number> {
    const pending = await this.deps.repository.dueRefunds(new Date(this.deps.clock.now()), batch);
    for (const r of pending) await this.payBack(r.id, r.amount, r.ref);
    return pending.length;
  }
}

/** The client's error for a refund PostgreSQL refused. */
function refusal(decision: Exclude<RefundDecision, { outcome: 'refunded' | 'repeated' }>, orderId: string) {
  switch (decision.outcome) {
    case 'unknown_order':
      return new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    case 'not_cancellable':
      return new AppError('ORDER_NOT_CANCELLABLE', undefined, { status: decision.status });
    case 'unknown_ticket':
      return new AppError('TICKET_NOT_FOUND', undefined, { ticketIds: decision.ticketIds });
    case 'void':
      return new AppError('TICKET_VOID', undefined, { ticketIds: decision.ticketIds });
    case 'used':
      return new AppError('TICKET_USED', undefined, { ticketIds: decision.ticketIds });
    case 'closed':
      return new AppError('REFUND_CLOSED', undefined, {
        refundUntil: new Date(decision.refundUntil).toISOString(),
      });
  }
}
