import {
  DESK_PAGE_SIZE,
  type DeskOrderDetail,
  type DeskOrderPage,
  type DeskOrdersQuery,
} from '../../contract/desk.js';
import { AppError } from '../../contract/errors.js';
import type { OrderRepository } from '../orders/repository.js';
import type { OrderViews } from '../orders/view.js';
import type { DeskRepository } from './repository.js';
import { readSearch } from './search.js';
import { timelineOf } from './timeline.js';

export interface DeskServiceOptions {
  repository: DeskRepository;
  orders: Pick<OrderRepository, 'findOrder'>;
  views: Pick<OrderViews, 'byId'>;
}

/** The order desk: support finds any buyer's order and reads what happened to it. */
export class DeskService {
  constructor(private readonly deps: DeskServiceOptions) {}

  /** Orders matching `query`, among those of `organizationIds` (null: every organization's). */
  async search(query: DeskOrdersQuery, organizationIds: string[] | null): Promise<DeskOrderPage> {
    const q = query.q?.trim();
    const { rows, total } = await this.deps.repository.search({
      search: q ? readSearch(q) : null,
      performanceId: query.performanceId ?? null,
      status: query.status ?? null,
      organizationIds,
      limit: DESK_PAGE_SIZE,
      offset: (query.page - 1) * DESK_PAGE_SIZE,
    });
    if (rows.length === 0 && query.page > 1)
      throw new AppError('PAGE_OUT_OF_RANGE', undefined, {
        page: query.page,
        lastPage: Math.max(1, Math.ceil(total / DESK_PAGE_SIZE)),
      });
    return {
      page: query.page,
      pageSize: DESK_PAGE_SIZE,
      total,
      items: rows.map((r) => ({
        id: r.id,
        status: r.status,
        amount: r.amount,
        currency: r.currency,
        createdAt: r.createdAt.toISOString(),
        buyer: { id: r.buyerId, email: r.buyerEmail, name: r.buyerName },
        performance: { id: r.performanceId, startsAt: r.startsAt.toISOString() },
        event: { id: r.eventId, title: r.eventTitle },
        seats: r.seats,
      })),
    };
  }

  async order(orderId: string): Promise<DeskOrderDetail> {
    const { repository, orders, views } = this.deps;
    const [row, history, view] = await Promise.all([
      orders.findOrder(orderId),
      repository.history(orderId),
      views.byId(orderId),
    ]);
    if (!row || !history || !view) throw new AppError('ORDER_NOT_FOUND', undefined, { orderId });
    return { order: view, buyer: history.buyer, timeline: timelineOf(row, history) };
  }
}
