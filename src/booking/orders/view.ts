import type { IssuedTicketRow, TicketRepository } from '../tickets/repository.js';
import { ticketView, type TicketView } from '../tickets/view.js';
import type { OrderRow, OrderStatus } from './repository.js';

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

export function orderView(order: OrderRow, tickets: IssuedTicketRow[]): OrderView {
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

/** The view of one order, with its tickets read. */
export async function loadOrderView(
  order: OrderRow,
  tickets: Pick<TicketRepository, 'ticketsOf'>,
): Promise<OrderView> {
  return orderView(order, await tickets.ticketsOf([order.id]));
}
