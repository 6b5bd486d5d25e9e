import type { AvailabilityService } from '../../inventory/availability.js';
import { AppError } from '../../contract/errors.js';
import type { BookingGate } from '../gate/service.js';
import type { BookingMetrics } from '../metrics.js';
import type { PaymentPort } from '../payments.js';
import type { TicketRepository } from '../tickets/repository.js';
import type { OrderRepository } from './repository.js';
import { loadOrderView, orderView, type OrderView } from './view.js';

export interface OrderServiceOptions {
  repository: OrderRepository;
  tickets: TicketRepository;
  gate: BookingGate;
  payments: PaymentPort;
  availability: AvailabilityService;
  metrics: BookingMetrics;
}

/** A buyer's orders: read, listed, and cancelled with a full refund. */
export class OrderService {
  constructor(private readonly deps: OrderServiceOptions) {}

  async order(orderId: string, userId: string): Promise<OrderView> {
    const order = await this.deps.repository.findOrder(orderId);
    if (!order || order.userId !== userId) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    return loadOrderView(order, this.deps.tickets);
  }

  async orders(userId: string, limit: number, before?: string): Promise<OrderView[]> {
    const orders = await this.deps.repository.listOrders(userId, limit, before);
    const tickets = await this.deps.tickets.ticketsOf(orders.map((o) => o.id));
    return orders.map((o) =>
      orderView(
        o,
        tickets.filter((t) => t.orderId === o.id),
      ),
    );
  }

  /** The owner (or an admin) cancels a paid order: refund, codes voided, seats back on sale. */
  async cancel(orderId: string, caller: { userId: string; role: string }): Promise<OrderView> {
    const { repository, gate, payments, availability, metrics } = this.deps;
    const order = await repository.findOrder(orderId);
    if (!order || (order.userId !== caller.userId && caller.role !== 'admin')) {
      throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    }
    if (order.status !== 'paid')
      throw new AppError('ORDER_NOT_CANCELLABLE', undefined, { status: order.status });
    const ref = await repository.paymentRef(order.id);
    // Unsell in the gate first: a gate more permissive than PostgreSQL is harmless, the reverse is not.
    await gate.unsell(order.performanceId, order.userId, order.seatNos);
    if (ref) await payments.refund(ref);
    const { status, freed } = await repository.settleRefunded(
      order.id,
      'cancelled-by-buyer',
      payments.provider,
      ref ?? '',
      'paid',
    );
    if (status !== 'refunded' || freed.length === 0)
      throw new AppError('ORDER_NOT_CANCELLABLE', undefined, { status });
    metrics.payments.inc({ outcome: 'refunded' });
    metrics.orders.inc({ status: 'refunded' });
    await availability.markFree(order.performanceId, freed);
    return loadOrderView((await repository.findOrder(order.id))!, this.deps.tickets);
  }
}
