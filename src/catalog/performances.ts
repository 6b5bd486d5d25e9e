import { systemClock, type Clock } from '../platform/clock.js';
import { inTransaction, type Db } from '../platform/db.js';
import { AppError } from '../contract/errors.js';
import { Memo } from '../platform/memo.js';
import { SharedCache } from '../platform/shared-cache.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import type { JobRepository, JobRow } from '../jobs/repository.js';
import type { AvailabilityService } from '../inventory/availability.js';
import type { SeatsLeftCounter } from '../inventory/seats-left.js';
import { saleStateOf, type PerformanceRow, type TicketCounts } from '../inventory/performance.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { EventRepository } from './event-repository.js';
import type { PerformanceRepository } from './performance-repository.js';
import { checkPrices } from './prices.js';
import type { Availability, PerformanceBody, PerformanceDetail } from '../contract/catalog.js';
import { GENERATE_TICKETS } from './tickets.js';
import type { VenueService } from './venues.js';
import { toPerformance } from './views.js';

/** A performance's ticket counts are read from PostgreSQL at most this often per node. */
const COUNTS_TTL_MS = 1_000;

export interface PerformanceServiceOptions {
  db: Db;
  repository: PerformanceRepository;
  events: EventRepository;
  venues: VenueService;
  inventory: InventoryRepository;
  jobs: JobRepository;
  availability: AvailabilityService;
  /** Seats left per grade and section, counted from the availability bitset. */
  seatsLeft: SeatsLeftCounter;
  /** The performance rows every node keeps in memory, dropped when a change is announced. */
  rows: PerformanceCache;
  /** Announces a created or deleted performance to every node's caches. */
  changes: CatalogChanges;
  clock: Clock;
  /** A new performance's `queue.challengeDifficulty` when its creator names none (TMOMI_CHALLENGE_DIFFICULTY). */
  challengeDifficulty: number;
  /** Tells the job runner there is work, so generation starts at once rather than at the next poll. */
  onJobQueued: () => void;
}

/** Performances as the organizer creates and deletes them and buyers look them up, with their tickets' generation. */
export class PerformanceService {
  /**
   * The counts on a performance's public page come from a count over all its tickets: tens of
   * thousands of rows, on the page every buyer of a flash sale opens and reopens while seats are
   * scarce. Up to a second old (a little more while the next count runs: nobody waits for it), aged
   * in real time (the injected clock may stand still in tests).
   */
  private readonly counts = new SharedCache<TicketCounts>(COUNTS_TTL_MS, systemClock, { serveStale: true });
  /** The public views, the same object while nothing they show has changed (Memo). */
  private readonly views = new Memo<PerformanceDetail>();
  private readonly availabilityViews = new Memo<Availability>();

  constructor(private readonly opts: PerformanceServiceOptions) {}

  /** Creates the performance and, in the same transaction, the job that generates its tickets. */
  async createPerformance(eventId: string, body: PerformanceBody): Promise<{ id: string; jobId: string }> {
    const startsAt = new Date(body.startsAt);
    const salesOpenAt = new Date(body.salesOpenAt);
    const salesCloseAt = new Date(body.salesCloseAt);
    if (!(salesOpenAt < salesCloseAt && salesCloseAt <= startsAt)) {
      throw new AppError('INVALID_SALE_WINDOW', undefined, {
        salesOpenAt: body.salesOpenAt,
        salesCloseAt: body.salesCloseAt,
        startsAt: body.startsAt,
      });
    }
    const refundUntil = body.refundUntil === undefined ? startsAt : new Date(body.refundUntil);
    if (refundUntil > startsAt) {
      throw new AppError('INVALID_REFUND_DEADLINE', undefined, {
        refundUntil: body.refundUntil,
        startsAt: body.startsAt,
      });
    }
    const { events, venues, repository, jobs } = this.opts;
    const created = await inTransaction(this.opts.db, async (client) => {
      const event = await events.lockEvent(client, eventId);
      if (!event) throw new AppError('EVENT_NOT_FOUND', undefined, { id: eventId });
      const venue = await venues.existingVenue(event.venueId);
      // Prices may have been edited since: every grade must still be priced before anything goes on sale.
      checkPrices((await events.pricesOf([eventId])).get(eventId) ?? [], venue.plan);
      const id = await repository.insertPerformance(client, {
        eventId,
        startsAt,
        salesOpenAt,
        salesCloseAt,
        refundUntil,
        holdTtlSeconds: body.holdTtlSeconds,
        maxTicketsPerUser: body.maxTicketsPerUser,
        queueEnabled: body.queue.enabled,
        prequeueMinutes: body.queue.prequeueMinutes,
        queueMode: body.queue.mode,
        admitPerSecond: body.queue.admitPerSecond,
        maxActive: body.queue.maxActive,
        passTtlSeconds: body.queue.passTtlSeconds,
        challengeDifficulty: body.queue.challengeDifficulty ?? this.opts.challengeDifficulty,
      });
      const jobId = await jobs.create(client, {
        kind: GENERATE_TICKETS,
        total: venue.seatCount,
        payload: { performanceId: id },
      });
      return { id, jobId };
    });
    // Every node's caches of the event's page hear of it too (any change drops those).
    await this.opts.changes.announce('performance', created.id);
    this.opts.onJobQueued();
    return created;
  }

  /**
   * The public page: no PostgreSQL but the counts, read at most once a second per node; the seats left
   * per grade and section come from the engine's bitset, as the seat map's availability does.
   */
  async performance(id: string): Promise<PerformanceDetail> {
    const p = await this.existingPerformance(id);
    const counts = await this.counts.get(id, () => this.opts.inventory.ticketCounts(id));
    const venue = await this.opts.venues.existingVenue(p.venueId);
    const left = await this.opts.seatsLeft.of(p, venue.plan);
    const state = saleStateOf(p, this.opts.clock.now(), counts);
    return this.views.get(id, [p, counts, state, left], () => ({
      ...toPerformance(p, state),
      counts,
      ticketsGenerated: counts.available + counts.held + counts.sold + counts.blocked,
      seatsLeft: left,
    }));
  }

  /** Deletes the performance and its tickets unless any ticket is held or sold (checked under lock). */
  async deletePerformance(id: string): Promise<void> {
    const { repository, inventory } = this.opts;
    await inTransaction(this.opts.db, async (client) => {
      if (!(await repository.lockPerformance(client, id)))
        throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
      if (await inventory.hasSales(client, id))
        throw new AppError('PERFORMANCE_HAS_SALES', undefined, { id });
      await repository.deletePerformance(client, id);
    });
    this.counts.delete(id);
    await this.opts.changes.announce('performance', id);
  }

  /** The live bitset, from the node's memory (at most a quarter second old) or the engine. */
  async availability(id: string): Promise<Availability> {
    const p = await this.existingPerformance(id);
    const snapshot = await this.opts.availability.snapshot(id, p.seatCount);
    return this.availabilityViews.get(id, [snapshot, p.seatCount], () => ({
      version: snapshot.version,
      seatCount: p.seatCount,
      available: snapshot.available,
    }));
  }

  async job(id: string): Promise<Omit<JobRow, 'payload'>> {
    const job = await this.opts.jobs.find(id);
    if (!job) throw new AppError('JOB_NOT_FOUND', undefined, { id });
    const { payload: _payload, ...rest } = job;
    return rest;
  }

  existingPerformance(id: string): Promise<PerformanceRow> {
    return this.opts.rows.get(id);
  }
}
