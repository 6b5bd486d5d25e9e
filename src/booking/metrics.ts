import { Counter, Histogram, type Registry } from 'prom-client';

/** Booking metrics; every label takes a handful of fixed values. */
export interface BookingMetrics {
  holds: Counter<'outcome'>;
  gateRejections: Counter<'reason'>;
  oversellGuard: Counter;
  gateRebuilds: Counter<'outcome'>;
  orders: Counter<'status'>;
  payments: Counter<'outcome'>;
  refunds: Counter<'by'>;
  refunded: Counter<'currency'>;
  revenue: Counter<'currency'>;
  ticketsSold: Counter;
  checkins: Counter<'outcome'>;
  dbBatchSize: Histogram<'call'>;
  engineBatchSize: Histogram<'call'>;
}

export function createBookingMetrics(registry: Registry): BookingMetrics {
  const registers = [registry];
  return {
    holds: new Counter({
      name: 'tmomi_holds_total',
      help: 'Holds by what happened to them: placed, replayed (a retry given its first hold), released, expired.',
      labelNames: ['outcome'],
      registers,
    }),
    gateRejections: new Counter({
      name: 'tmomi_hold_gate_rejections_total',
      help: 'Hold requests the engine gate turned away before PostgreSQL (taken seat, buyer limit).',
      labelNames: ['reason'],
      registers,
    }),
    oversellGuard: new Counter({
      name: 'tmomi_oversell_guard_rejections_total',
      help: "Holds the gate let through but PostgreSQL's guarded update refused (the oversell guard at work).",
      registers,
    }),
    gateRebuilds: new Counter({
      name: 'tmomi_hold_gate_rebuilds_total',
      help: 'Rebuilds of the hold gate from PostgreSQL: stored, or raced by a release and retried later.',
      labelNames: ['outcome'],
      registers,
    }),
    orders: new Counter({
      name: 'tmomi_orders_total',
      help: 'Orders settled, by final status (paid, cancelled, refunded).',
      labelNames: ['status'],
      registers,
    }),
    payments: new Counter({
      name: 'tmomi_payments_total',
      help: 'Payment provider outcomes: succeeded, declined, timeout, error, refunded.',
      labelNames: ['outcome'],
      registers,
    }),
    refunds: new Counter({
      name: 'tmomi_refunds_total',
      help: 'Refunds decided, by who asked: buyer, admin, or system (a hold lost before its payment landed).',
      labelNames: ['by'],
      registers,
    }),
    refunded: new Counter({
      name: 'tmomi_refunded_total',
      help: 'Money given back by refunds, in the event currency.',
      labelNames: ['currency'],
      registers,
    }),
    revenue: new Counter({
      name: 'tmomi_revenue_total',
      help: 'Money taken by paid orders, in the event currency (what refunds gave back: tmomi_refunded_total).',
      labelNames: ['currency'],
      registers,
    }),
    ticketsSold: new Counter({ name: 'tmomi_tickets_sold_total', help: 'Tickets sold.', registers }),
    checkins: new Counter({
      name: 'tmomi_checkins_total',
      help: 'Check-in scans by outcome: admitted, used, void, wrong-performance, unknown.',
      labelNames: ['outcome'],
      registers,
    }),
    dbBatchSize: new Histogram({
      name: 'tmomi_booking_db_batch_size',
      help: 'Holds (call="place"), new orders ("order") or settlements ("settle") sent to PostgreSQL in one call.',
      labelNames: ['call'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    }),
    engineBatchSize: new Histogram({
      name: 'tmomi_booking_engine_batch_size',
      help: 'Holds sent to the engine gate (call="acquire") or sold in it ("sell") in one call.',
      labelNames: ['call'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    }),
  };
}
