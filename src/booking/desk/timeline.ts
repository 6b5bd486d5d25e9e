import type { TimelineEntry } from '../../contract/desk.js';
import type { OrderRow } from '../orders/repository.js';
import type { OrderHistoryRow } from './repository.js';

type Entry = Omit<TimelineEntry, 'at'> & { at: Date };

const entry = (e: Partial<Entry> & Pick<Entry, 'at' | 'kind' | 'actor'>): Entry => ({
  amount: null,
  reason: null,
  ticketIds: [],
  ...e,
});

/**
 * An order's story from the rows the system writes anyway — the order, its payment, its refunds (who
 * and why), its tickets' check-ins (who scanned them) — oldest first. Nothing is recorded twice for it.
 * A check-in from before stewards were recorded has a null actor.
 */
export function timelineOf(
  order: Pick<OrderRow, 'status' | 'reason' | 'amount' | 'createdAt' | 'updatedAt'>,
  h: OrderHistoryRow,
): TimelineEntry[] {
  const buyer = { role: 'buyer' as const, id: h.buyer.id, email: h.buyer.email };
  const system = { role: 'system' as const, id: null, email: null };
  const entries: Entry[] = [
    entry({ at: order.createdAt, kind: 'created', actor: buyer, amount: order.amount }),
  ];
  if (h.payment) {
    const paid = h.payment.status === 'succeeded' || h.payment.status === 'refunded';
    entries.push(
      entry({
        at: h.payment.createdAt,
        kind: paid ? 'paid' : 'payment-failed',
        actor: buyer,
        amount: h.payment.amount,
        reason: paid ? null : h.payment.status,
      }),
    );
  }
  if (order.status === 'cancelled')
    entries.push(entry({ at: order.updatedAt, kind: 'cancelled', actor: system, reason: order.reason }));
  for (const r of h.refunds) {
    const actor =
      r.by === 'admin'
        ? { role: 'admin' as const, id: r.adminId, email: r.adminEmail }
        : r.by === 'buyer'
          ? buyer
          : system;
    entries.push(
      entry({
        at: r.createdAt,
        kind: 'refunded',
        actor,
        amount: r.amount,
        reason: r.reason,
        ticketIds: r.ticketIds,
      }),
    );
    if (r.completedAt)
      entries.push(
        entry({
          at: r.completedAt,
          kind: 'refund-paid',
          actor: system,
          amount: r.amount,
          ticketIds: r.ticketIds,
        }),
      );
  }
  for (const c of h.checkIns) {
    // The steward acts for the organizer: the desk shows them as it shows an admin's refund.
    const actor = c.byId === null ? null : { role: 'admin' as const, id: c.byId, email: c.byEmail };
    entries.push(entry({ at: c.at, kind: 'checked-in', actor, ticketIds: [c.ticketId] }));
  }
  // Stable: entries of one instant keep the order they were pushed in (created before paid, a refund
  // before its pay-back).
  return entries
    .map((e, k) => ({ e, k }))
    .sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.k - b.k)
    .map(({ e }) => ({ ...e, at: e.at.toISOString() }));
}
