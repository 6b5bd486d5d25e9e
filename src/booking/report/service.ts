import type { SaleReport } from '../../contract/desk.js';
import type { WaitingRoom } from '../../engine/waiting-room/port.js';
import { existingPerformance, type PerformanceRow, type TicketCounts } from '../../inventory/performance.js';
import type { QueueFunnelRow } from '../../inventory/repository.js';
import type { Clock } from '../../platform/clock.js';
import { REPORT_MINUTES, type ReportRepository } from './repository.js';

export interface ReportServiceOptions {
  repository: ReportRepository;
  inventory: {
    findPerformance(id: string): Promise<PerformanceRow | undefined>;
    ticketCounts(id: string): Promise<TicketCounts>;
    queueFunnel(id: string): Promise<QueueFunnelRow | undefined>;
  };
  waitingRoom: Pick<WaitingRoom, 'queueStats'>;
  clock: Clock;
}

// Said in every report, so nobody reads a null as a zero or an engine figure as a record.
const QUEUE_BASIS =
  'bought: distinct buyers with a charged order (PostgreSQL). admitted and abandoned: counted by the ' +
  'admission ticker into PostgreSQL as it admits (kept; a round lost in a crash is missing); for a ' +
  "queue run before that was recorded, admitted is the engine's live counter. joined, prequeue, left and " +
  "passesExpired: the waiting room engine's own counters, exact (each counted in the same atomic step " +
  'as the change it counts), read from the engine while it keeps the queue (until a day after the sale ' +
  'closes) and from the copy the admission ticker keeps in PostgreSQL (made while admission runs, at ' +
  'most 5 s behind the engine, and once more when the room closes; changes after that are the ' +
  "engine's alone), whichever is greater (both only grow); null when neither has " +
  'them, never estimated. waitingNow: the ' +
  "engine's, null once it forgets the queue. joined counts queue entries, pre-queue included: someone " +
  'who left, was skipped or let a ' +
  'pass run out and joined again is a new entry. prequeue: entries made before the sale opened. left: ' +
  'entries that left the queue or gave up a valid pass. passesExpired: passes that ran out neither used ' +
  'at checkout nor given up.';

/**
 * A funnel counter from the engine and from its copy in PostgreSQL: both only grow and the copy is
 * the engine's own figure from a moment before, so the greater is the truth. After a wiped Redis the
 * engine counts again from nothing: the figure is never lower than the copy, but what the engine
 * counted after the copy and before the wipe is lost. Null when neither has it.
 */
const counted = (live: number | undefined, copied: number | null | undefined): number | null =>
  live === undefined && (copied ?? null) === null ? null : Math.max(live ?? 0, copied ?? 0);

/** The post-sale report: what the sale did, from PostgreSQL's rows and the waiting room's counters. */
export class ReportService {
  constructor(private readonly deps: ReportServiceOptions) {}

  async report(performanceId: string): Promise<SaleReport> {
    const { repository, inventory, waitingRoom, clock } = this.deps;
    const perf = await existingPerformance(inventory, performanceId);
    const now = clock.now();
    const [figures, minutes, counts, queue, funnel] = await Promise.all([
      repository.figures(performanceId),
      repository.perMinute(performanceId),
      inventory.ticketCounts(performanceId),
      perf.queueEnabled ? waitingRoom.queueStats(performanceId, now) : undefined,
      inventory.queueFunnel(performanceId),
    ]);
    const f = figures!;
    // A queue the engine has forgotten (or never opened) reads as all zeros: unknown, not zero.
    const live = queue && (queue.version > 0 || queue.admittedTotal > 0) ? queue : undefined;
    const soldOut = counts.available === 0 && counts.held === 0 && counts.sold >= perf.seatCount;
    const gross = Number(f.gross);
    const refunded = Number(f.refunded);
    return {
      at: new Date(now).toISOString(),
      performance: {
        id: perf.id,
        eventTitle: f.eventTitle,
        startsAt: perf.startsAt.toISOString(),
        salesOpenAt: perf.salesOpenAt.toISOString(),
        salesCloseAt: perf.salesCloseAt.toISOString(),
        seatCount: perf.seatCount,
      },
      currency: f.currency,
      queue: {
        enabled: perf.queueEnabled,
        joined: counted(live?.joined, funnel?.joined),
        prequeue: counted(live?.prequeued, funnel?.prequeued),
        admitted: funnel?.admitted ?? live?.admittedTotal ?? null,
        left: counted(live?.left, funnel?.left),
        abandoned: funnel?.abandoned ?? null,
        passesExpired: counted(live?.passesExpired, funnel?.passesExpired),
        waitingNow: live ? live.waiting : null,
        bought: f.buyers,
        basis: QUEUE_BASIS,
      },
      soldOutAfterSeconds:
        soldOut && f.lastSaleAt
          ? Math.max(0, (f.lastSaleAt.getTime() - perf.salesOpenAt.getTime()) / 1000)
          : null,
      tickets: {
        sold: f.ticketsSold,
        refunded: f.ticketsRefunded,
        checkedIn: f.checkedIn,
        available: counts.available,
        held: counts.held,
      },
      revenue: { gross, refunded, net: gross - refunded },
      orders: {
        paid: f.ordersPaid,
        refunded: f.ordersRefunded,
        cancelled: f.ordersCancelled,
        refunds: f.refunds,
      },
      grades: f.grades,
      perMinute: minutes
        .slice(0, REPORT_MINUTES)
        .map((m) => ({ minute: m.minute.toISOString(), tickets: m.tickets })),
      perMinuteTruncated: minutes.length > REPORT_MINUTES,
    };
  }
}
