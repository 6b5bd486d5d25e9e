import { systemClock, type Clock } from '../platform/clock.js';
import { inTransaction, type Db } from '../platform/db.js';
import { AppError } from '../contract/errors.js';
import { SharedCache } from '../platform/shared-cache.js';
import type { JobRepository, JobRow } from '../jobs/repository.js';
import type { AvailabilityService } from './availability.js';
import { gradesOf, planSeats, type SeatPlan } from '../contract/layout.js';
import type {
  CatalogRepository,
  EventRow,
  PerformanceRow,
  PriceRow,
  TicketCounts,
  VenueRow,
} from './repository.js';
import type { EventBody, EventPatch, PerformanceBody, SearchQuery, VenueBody } from '../contract/catalog.js';
import { GENERATE_TICKETS } from './tickets.js';

export type SaleState = 'scheduled' | 'prequeue' | 'onsale' | 'soldout' | 'closed';

/** A performance's ticket counts are read from PostgreSQL at most this often per node. */
const COUNTS_TTL_MS = 1_000;

/** Where a performance's sale stands at `now`; `counts` (when known) tells a sold-out sale apart. */
export function saleStateOf(p: PerformanceRow, now: number, counts?: TicketCounts): SaleState {
  if (now >= p.salesCloseAt.getTime()) return 'closed';
  // Sold out means every seat's ticket is sold: while tickets are still being generated, none is
  // available yet, but the sale is not over.
  if (now >= p.salesOpenAt.getTime()) return counts && counts.sold >= p.seatCount ? 'soldout' : 'onsale';
  const prequeueAt = p.salesOpenAt.getTime() - p.prequeueMinutes * 60_000;
  return p.queueEnabled && now >= prequeueAt ? 'prequeue' : 'scheduled';
}

export class CatalogService {
  /**
   * The counts on a performance's public page come from a count over all its tickets: tens of
   * thousands of rows, on the page every buyer of a flash sale opens and reopens while seats are
   * scarce. Up to a second old, aged in real time (the injected clock may stand still in tests).
   */
  private readonly counts = new SharedCache<TicketCounts>(COUNTS_TTL_MS, systemClock);

  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogRepository,
    private readonly jobs: JobRepository,
    private readonly seats: AvailabilityService,
    private readonly clock: Clock,
    /** Tells the job runner there is work, so generation starts at once rather than at the next poll. */
    private readonly onJobQueued: () => void,
  ) {}

  async createVenue(body: VenueBody) {
    const plan = planSeats(body);
    const venue = await this.catalog.insertVenue({
      name: body.name.trim(),
      address: body.address ?? '',
      plan,
    });
    return toVenue(venue);
  }

  async venue(id: string) {
    return toVenue(await this.existingVenue(id));
  }

  async venues(page: number, pageSize: number) {
    return (await this.catalog.listVenues(pageSize, (page - 1) * pageSize)).map(toVenue);
  }

  /** The seat map, drawn from the stored plan: per-row runs, a few kilobytes for 50,000 seats. */
  async seatMap(id: string): Promise<{ etag: string; map: ReturnType<typeof toSeatMap> }> {
    const venue = await this.existingVenue(id);
    // A venue's seats never change after creation, so its id and creation time identify the map.
    return { etag: `"venue-${venue.id}-${venue.createdAt.getTime()}"`, map: toSeatMap(venue) };
  }

  async createEvent(body: EventBody) {
    const venue = await this.existingVenue(body.venueId);
    const prices = checkPrices(body.prices, venue.plan);
    const event = await inTransaction(this.db, (client) =>
      this.catalog.insertEvent(
        client,
        {
          venueId: venue.id,
          title: body.title.trim(),
          artist: body.artist?.trim() ?? '',
          category: body.category.trim().toLowerCase(),
          description: body.description ?? '',
          imageUrl: body.imageUrl ?? null,
          currency: body.currency ?? 'KRW',
        },
        prices,
      ),
    );
    return toEvent(event, prices);
  }

  async updateEvent(id: string, patch: EventPatch) {
    const updated = await inTransaction(this.db, async (client) => {
      const current = await this.catalog.lockEvent(client, id);
      if (!current) throw new AppError('EVENT_NOT_FOUND', undefined, { id });
      const venueChanges = patch.venueId !== undefined && patch.venueId !== current.venueId;
      // Tickets are generated per seat of the venue; another venue would orphan them.
      if (venueChanges && (await this.catalog.countPerformances(client, id)) > 0) {
        throw new AppError('VENUE_LOCKED', undefined, { eventId: id });
      }
      const venue = await this.existingVenue(patch.venueId ?? current.venueId);
      if (patch.prices !== undefined || venueChanges) {
        const prices = patch.prices ?? (await this.catalog.pricesOf([id])).get(id) ?? [];
        await this.catalog.replacePrices(client, id, checkPrices(prices, venue.plan));
      }
      return (await this.catalog.updateEvent(client, id, {
        venueId: patch.venueId,
        title: patch.title?.trim(),
        artist: patch.artist?.trim(),
        category: patch.category?.trim().toLowerCase(),
        description: patch.description,
        imageUrl: patch.imageUrl,
      }))!;
    });
    return toEvent(updated, (await this.catalog.pricesOf([id])).get(id) ?? []);
  }

  async event(id: string) {
    const event = await this.catalog.findEvent(id);
    if (!event) throw new AppError('EVENT_NOT_FOUND', undefined, { id });
    const [prices, venue, performances] = await Promise.all([
      this.catalog.pricesOf([id]),
      this.existingVenue(event.venueId),
      this.catalog.performancesOf(id),
    ]);
    const now = this.clock.now();
    return {
      ...toEvent(event, prices.get(id) ?? []),
      venue: toVenue(venue),
      performances: performances.map((p) => toPerformance(p, saleStateOf(p, now))),
    };
  }

  async searchEvents(query: SearchQuery) {
    const terms = (query.q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 10);
    const { events, total } = await this.catalog.searchEvents({
      terms,
      category: query.category?.trim().toLowerCase(),
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    if (events.length === 0 && query.page > 1) {
      throw new AppError('PAGE_OUT_OF_RANGE', undefined, {
        page: query.page,
        pages: Math.ceil(total / query.pageSize),
      });
    }
    const prices = await this.catalog.pricesOf(events.map((e) => e.id));
    return {
      events: events.map((e) => toEvent(e, prices.get(e.id) ?? [])),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }

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
    const created = await inTransaction(this.db, async (client) => {
      const event = await this.catalog.lockEvent(client, eventId);
      if (!event) throw new AppError('EVENT_NOT_FOUND', undefined, { id: eventId });
      const venue = await this.existingVenue(event.venueId);
      // Prices may have been edited since: every grade must still be priced before anything goes on sale.
      checkPrices((await this.catalog.pricesOf([eventId])).get(eventId) ?? [], venue.plan);
      const id = await this.catalog.insertPerformance(client, {
        eventId,
        startsAt,
        salesOpenAt,
        salesCloseAt,
        holdTtlSeconds: body.holdTtlSeconds,
        maxTicketsPerUser: body.maxTicketsPerUser,
        queueEnabled: body.queue.enabled,
        prequeueMinutes: body.queue.prequeueMinutes,
        admitPerSecond: body.queue.admitPerSecond,
        maxActive: body.queue.maxActive,
        passTtlSeconds: body.queue.passTtlSeconds,
      });
      const jobId = await this.jobs.create(client, {
        kind: GENERATE_TICKETS,
        total: venue.seatCount,
        payload: { performanceId: id },
      });
      return { id, jobId };
    });
    this.onJobQueued();
    return created;
  }

  async performance(id: string) {
    const p = await this.existingPerformance(id);
    const counts = await this.counts.get(id, () => this.catalog.ticketCounts(id));
    return {
      ...toPerformance(p, saleStateOf(p, this.clock.now(), counts)),
      counts,
      ticketsGenerated: counts.available + counts.held + counts.sold,
    };
  }

  async deletePerformance(id: string): Promise<void> {
    const outcome = await this.catalog.deletePerformanceIfUnsold(id);
    if (outcome === 'missing') throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
    if (outcome === 'has-sales') throw new AppError('PERFORMANCE_HAS_SALES', undefined, { id });
  }

  async availability(id: string) {
    const p = await this.existingPerformance(id);
    const { version, bits } = await this.seats.read(id, p.seatCount);
    return { version, seatCount: p.seatCount, available: bits.toString('base64') };
  }

  async job(id: string): Promise<Omit<JobRow, 'payload'>> {
    const job = await this.jobs.find(id);
    if (!job) throw new AppError('JOB_NOT_FOUND', undefined, { id });
    const { payload: _payload, ...rest } = job;
    return rest;
  }

  async existingPerformance(id: string): Promise<PerformanceRow> {
    const p = await this.catalog.findPerformance(id);
    if (!p) throw new AppError('PERFORMANCE_NOT_FOUND', undefined, { id });
    return p;
  }

  private async existingVenue(id: string): Promise<VenueRow> {
    const venue = await this.catalog.findVenue(id);
    if (!venue) throw new AppError('VENUE_NOT_FOUND', undefined, { id });
    return venue;
  }
}

/** Exactly one price per grade of the venue: none missing, none unknown, none twice. */
function checkPrices(prices: PriceRow[], plan: SeatPlan): PriceRow[] {
  const grades = gradesOf(plan);
  const given = new Map<string, number>();
  for (const { grade, amount } of prices) {
    if (!grades.includes(grade))
      throw new AppError('UNKNOWN_GRADE', `The venue has no grade "${grade}".`, { grade, grades });
    if (given.has(grade))
      throw new AppError('DUPLICATE_PRICE', `Grade "${grade}" is priced twice.`, { grade });
    given.set(grade, amount);
  }
  const missing = grades.filter((g) => !given.has(g));
  if (missing.length > 0)
    throw new AppError('MISSING_GRADE_PRICE', `No price for grade ${missing.join(', ')}.`, { missing });
  return prices;
}

function toVenue(v: VenueRow) {
  return {
    id: v.id,
    name: v.name,
    address: v.address,
    seatCount: v.seatCount,
    grades: gradesOf(v.plan),
    createdAt: v.createdAt.toISOString(),
  };
}

function toSeatMap(v: VenueRow) {
  return { venueId: v.id, name: v.name, seatCount: v.seatCount, sections: v.plan.sections };
}

function toEvent(e: EventRow, prices: PriceRow[]) {
  return {
    id: e.id,
    venueId: e.venueId,
    title: e.title,
    artist: e.artist,
    category: e.category,
    description: e.description,
    imageUrl: e.imageUrl,
    currency: e.currency,
    prices,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

function toPerformance(p: PerformanceRow, saleState: SaleState) {
  return {
    id: p.id,
    eventId: p.eventId,
    venueId: p.venueId,
    startsAt: p.startsAt.toISOString(),
    salesOpenAt: p.salesOpenAt.toISOString(),
    salesCloseAt: p.salesCloseAt.toISOString(),
    holdTtlSeconds: p.holdTtlSeconds,
    maxTicketsPerUser: p.maxTicketsPerUser,
    queue: {
      enabled: p.queueEnabled,
      prequeueMinutes: p.prequeueMinutes,
      admitPerSecond: p.admitPerSecond,
      maxActive: p.maxActive,
      passTtlSeconds: p.passTtlSeconds,
    },
    seatCount: p.seatCount,
    saleState,
  };
}
