import type { Order } from '../../contract/booking.js';
import type { IssuedTicketRow, TicketRepository } from '../tickets/repository.js';
import { ticketView } from '../tickets/view.js';
import type { OrderDetailRow, OrderRepository, RefundRow } from './repository.js';

export type OrderView = Order;

export function orderView(
  order: OrderDetailRow,
  tickets: IssuedTicketRow[],
  refunds: RefundRow[],
): OrderView {
  return {
    id: order.id,
    holdId: order.holdId,
    performanceId: order.performanceId,
    seatNos: order.seatNos,
    amount: order.amount,
    total: order.amount,
    refundedAmount: refunds.reduce((sum, r) => sum + r.amount, 0),
    currency: order.currency,
    status: order.status,
    reason: order.reason,
    createdAt: order.createdAt.toISOString(),
    performance: {
      id: order.performanceId,
      startsAt: order.startsAt.toISOString(),
      refundUntil: order.refundUntil.toISOString(),
    },
    event: { id: order.eventId, title: order.eventTitle },
    venue: { name: order.venueName, address: order.venueAddress },
    tickets: tickets.map(ticketView),
    refunds: refunds.map((r) => ({
      id: r.id,
      amount: r.amount,
      ticketIds: r.ticketIds,
      by: r.by,
      adminId: r.adminId,
      reason: r.reason,
      state: r.state,
      createdAt: r.createdAt.toISOString(),
      completedAt: r.completedAt?.toISOString() ?? null,
    })),
  };
}

/** Reads orders' views: the orders' tickets and refunds, two queries whatever the number of orders. */
export class OrderViews {
  constructor(
    private readonly deps: {
      orders: Pick<OrderRepository, 'findOrderDetail' | 'refundsOf'>;
      tickets: Pick<TicketRepository, 'ticketsOf'>;
    },
  ) {}

  async of(orders: OrderDetailRow[]): Promise<OrderView[]> {
    const ids = orders.map((o) => o.id);
    const [tickets, refunds] = await Promise.all([
      this.deps.tickets.ticketsOf(ids),
      this.deps.orders.refundsOf(ids),
    ]);
    return orders.map((o) =>
      orderView(
        o,
        tickets.filter((t) => t.orderId === o.id),
        refunds.filter((r) => r.orderId === o.id),
      ),
    );
  }

  /** One order's view, read as it is now: its three reads at once, since the id is all they need. */
  async byId(orderId: string): Promise<OrderView | undefined> {
    const [order, tickets, refunds] = await Promise.all([
      this.deps.orders.findOrderDetail(orderId),
      this.deps.tickets.ticketsOf([orderId]),
      this.deps.orders.refundsOf([orderId]),
    ]);
    return order ? orderView(order, tickets, refunds) : undefined;
  }
}
