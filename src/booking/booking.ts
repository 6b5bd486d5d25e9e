import type { Registry } from 'prom-client';
import type { LeaderElector } from '../engine/coordination/leader.js';
import type { Leases } from '../engine/coordination/port.js';
import type { HoldGate } from '../engine/hold-gate/port.js';
import { LEASES } from '../engine/keys.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { AvailabilityService } from '../inventory/availability.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { InventoryRepository } from '../inventory/repository.js';
import { SeatingCache } from '../inventory/seating.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { QueueService } from '../queue/service.js';
import type { WaitlistMarks } from '../queue/waitlist-marks.js';
import { AccessCodeRepository } from './access/repository.js';
import { AccessCodeService } from './access/service.js';
import { BlockingRepository } from './blocking/repository.js';
import { BlockingService } from './blocking/service.js';
import { CheckoutRepository } from './checkout/repository.js';
import { CheckoutService } from './checkout/service.js';
import { DeskRepository } from './desk/repository.js';
import { DeskService } from './desk/service.js';
import { ExportRepository } from './exports/repository.js';
import { ExportService } from './exports/service.js';
import { TicketCodes } from './codes.js';
import { GateRepository } from './gate/repository.js';
import { BookingGate } from './gate/service.js';
import { HoldExpiry } from './holds/expiry.js';
import { HoldRepository } from './holds/repository.js';
import { HoldService } from './holds/service.js';
import { createBookingMetrics } from './metrics.js';
import { refundCancelledPerformance } from './orders/cancellation.js';
import { OrderRepository } from './orders/repository.js';
import { OrderService } from './orders/service.js';
import { OrderViews } from './orders/view.js';
import { PaymentSimulator, type PaymentPort } from './payments.js';
import { ReportRepository } from './report/repository.js';
import { ReportService } from './report/service.js';
import { SaleStatsRepository } from './stats-repository.js';
import { SaleStatsService, type SaleStatsOptions } from './stats.js';
import { BookingSweeper } from './sweeper.js';
import { TicketRepository } from './tickets/repository.js';
import { TicketService } from './tickets/service.js';
import { WaitlistOffers } from './waitlist/offers.js';
import { WaitlistRepository } from './waitlist/repository.js';
import { WaitlistService } from './waitlist/service.js';

export interface Booking {
  holds: HoldService;
  checkout: CheckoutService;
  orders: OrderService;
  tickets: TicketService;
  stats: SaleStatsService;
  sweeper: BookingSweeper;
  /**
   * The job of a cancelled performance (catalog's REFUND_CANCELLED), run by the node's job runner
   * (which app.ts makes before booking, and starts once the app is ready).
   */
  refundCancelled: (
    job: { done: number; payload: Record<string, unknown> },
    ctx: { shouldStop: () => boolean },
    progress: (done: number) => Promise<void>,
  ) => Promise<'done' | 'stopped'>;
  desk: DeskService;
  exports: ExportService;
  report: ReportService;
  /** Access codes (decision 027): the organizer's, and each hold request's lookup. */
  accessCodes: AccessCodeService;
  waitlist: WaitlistService;
  /** Seats an organizer blocks from one performance's sale and releases (decision 033). */
  blocking: BlockingService;
}

/** Booking's services wired together over their repositories, the engine and the sale's caches. */
export function createBooking(deps: {
  db: Db;
  engine: HoldGate & WaitingRoom & Leases;
  secret: string;
  /** The simulator (with the settings' latency and timeout) unless a provider is given. */
  payments: PaymentPort | undefined;
  paymentLatencyMs: number;
  paymentTimeoutMs: number;
  inventory: InventoryRepository;
  performances: PerformanceCache;
  /** The catalog's performances: the dashboard's stats name an unknown one. */
  catalogPerformances: SaleStatsOptions['performances'];
  availability: AvailabilityService;
  queue: QueueService;
  /** The waiting list's marks on the queue's channel: booking writes them after its commits. */
  marks: WaitlistMarks;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  changes: CatalogChanges;
  /** A lease of the engine's for what one node runs at a time (the sweeper), as the app makes them. */
  leader: (name: string) => LeaderElector;
}): Booking {
  const { db, engine, inventory, performances, availability, queue, clock, logger } = deps;
  const metrics = createBookingMetrics(deps.registry);
  const gate = new BookingGate({ engine, repository: new GateRepository(db), metrics, clock, logger });
  const offers = new WaitlistOffers({ gate, marks: deps.marks });
  const holdRepository = new HoldRepository({ db, metrics });
  const orderRepository = new OrderRepository(db);
  const ticketRepository = new TicketRepository(db);
  const payments =
    deps.payments ??
    new PaymentSimulator({ latencyMs: deps.paymentLatencyMs, timeoutMs: deps.paymentTimeoutMs });
  const codes = new TicketCodes(deps.secret);
  const seating = new SeatingCache({ inventory, clock, changes: deps.changes });
  const views = new OrderViews({ orders: orderRepository, tickets: ticketRepository, performances, seating });
  const accessCodes = new AccessCodeService({
    repository: new AccessCodeRepository(db),
    performances,
    seating,
    changes: deps.changes,
    clock,
  });
  const holds = new HoldService({
    repository: holdRepository,
    gate,
    performances,
    seating,
    queue,
    availability,
    metrics,
    clock,
    codes: accessCodes,
    offers,
  });
  const checkout = new CheckoutService({
    repository: new CheckoutRepository({ db, metrics }),
    orders: orderRepository,
    holds: holdRepository,
    views,
    gate,
    payments,
    codes,
    queue,
    metrics,
    clock,
    logger,
    paymentTimeoutMs: deps.paymentTimeoutMs,
    offers,
  });
  const orders = new OrderService({
    repository: orderRepository,
    views,
    gate,
    payments,
    availability,
    metrics,
    clock,
    logger,
    offers,
  });
  const tickets = new TicketService({
    repository: ticketRepository,
    performance: (id) => performances.get(id),
    codes,
    metrics,
    clock,
  });
  const sweeper = new BookingSweeper({
    expiry: new HoldExpiry({ repository: holdRepository, gate, availability, metrics, clock, offers }),
    checkout,
    refunds: orders,
    leader: deps.leader(LEASES.bookingSweeper),
    logger,
  });
  const stats = new SaleStatsService({
    repository: new SaleStatsRepository(db),
    waitingRoom: engine,
    performances: deps.catalogPerformances,
    tickets: inventory,
    clock,
  });
  const refundCancelled: Booking['refundCancelled'] = (job, ctx, progress) =>
    refundCancelledPerformance(
      { repository: orderRepository, orders, logger },
      {
        performanceId: String(job.payload.performanceId),
        reason: String(job.payload.reason),
        done: job.done,
        shouldStop: ctx.shouldStop,
        progress,
      },
    );
  const desk = new DeskService({ repository: new DeskRepository(db), orders: orderRepository, views });
  const exports = new ExportService({ repository: new ExportRepository(db), inventory });
  const report = new ReportService({
    repository: new ReportRepository(db),
    inventory,
    waitingRoom: engine,
    clock,
  });
  const waitlist = new WaitlistService({
    repository: new WaitlistRepository(db),
    performances,
    seating,
    holds,
    clock,
    marks: deps.marks,
  });
  const blocking = new BlockingService({
    repository: new BlockingRepository(db),
    performances,
    seating,
    availability,
    offers,
    changes: deps.changes,
    clock,
  });
  return {
    blocking,
    holds,
    checkout,
    orders,
    tickets,
    stats,
    sweeper,
    refundCancelled,
    desk,
    exports,
    report,
    accessCodes,
    waitlist,
  };
}
