import type { Order } from '../../contract/booking.js';
import type { PerformanceCache } from '../../inventory/performance-cache.js';
import type { SeatingCache } from '../../inventory/seating.js';
import type { IssuedTicketRow, TicketRepository } from '../tickets/repository.js';
import { ticketView } from '../tickets/view.js';
import type { OrderDetailRow, OrderRepository, OrderRow, RefundRow } from './repository.js';

export type OrderView = Order;

/** A ticket the settlement of a paid order just issued: its id and seat (its code is the caller's). */
export interface IssuedTicket {
  id: string;
  seatNo: number;
}

export function orderView(
  order: Omit<OrderDetailRow, 'buyerName'>,
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
      performances: Pick<PerformanceCache, 'get'>;
      seating: Pick<SeatingCache, 'get'>;
    },
  ) {}

  /**
   * The view of an order its settlement just paid, made from what the checkout has in hand — the order
   * as created, the tickets the settlement issued, the codes it gave them — and the performance's
   * cached settings and seating, without reading PostgreSQL: reading the order back cost three
   * quarters of the purchase rate (docs/benchmarks.md, "Issue 15"). It equals what byId reads
   * (booking.test.ts), except that a title, name or deadline edited in the last few seconds may show as
   * it was.
   */
  async ofPaid(order: OrderRow, issued: IssuedTicket[], codes: string[]): Promise<OrderView> {
    const perf = await this.deps.performances.get(order.performanceId);
    const seating = await this.deps.seating.get(perf);
    const position = new Map(order.seatNos.map((seatNo, k) => [seatNo, k]));
    const tickets: IssuedTicketRow[] = [];
    for (const { id, seatNo } of issued) {
      const k = position.get(seatNo);
      const label = seating.labelOf(seatNo);
      // Not a seat of this order or of this venue's plan: only the database can say what was sold.
      if (k === undefined || !label) return (await this.byId(order.id))!;
      tickets.push({
        id,
        orderId: order.id,
        userId: order.userId,
        performanceId: order.performanceId,
        seatNo,
        ...label,
        price: order.seatPrices?.[k] ?? seating.priceOf(seatNo),
        code: codes[k]!,
        voidedAt: null,
        checkedInAt: null,
      });
    }
    const { eventTitle, venueName, venueAddress } = seating.place;
    return orderView(
      {
        ...order,
        status: 'paid',
        reason: null,
        startsAt: perf.startsAt,
        refundUntil: perf.refundUntil,
        eventId: perf.eventId,
        eventTitle,
        venueName,
        venueAddress,
      },
      tickets,
      [],
    );
  }

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
