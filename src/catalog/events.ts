import type { Clock } from '../platform/clock.js';
import { inTransaction, type Db } from '../platform/db.js';
import { AppError } from '../contract/errors.js';
import { saleStateOf } from '../inventory/performance.js';
import type { EventRepository } from './event-repository.js';
import type { PerformanceRepository } from './performance-repository.js';
import { checkPrices } from './prices.js';
import type { EventBody, EventPatch, SearchQuery } from '../contract/catalog.js';
import type { VenueService } from './venues.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import { toEvent, toPerformance, toVenue } from './views.js';

export interface EventServiceOptions {
  db: Db;
  repository: EventRepository;
  venues: VenueService;
  performances: PerformanceRepository;
  changes: CatalogChanges;
  clock: Clock;
}

/** Events with their grade prices, the event page and the search. */
export class EventService {
  private readonly db: Db;
  private readonly repository: EventRepository;
  private readonly venues: VenueService;
  private readonly performances: PerformanceRepository;
  private readonly clock: Clock;
  private readonly changes: CatalogChanges;

  constructor({ db, repository, venues, performances, changes, clock }: EventServiceOptions) {
    this.changes = changes;
    this.db = db;
    this.repository = repository;
    this.venues = venues;
    this.performances = performances;
    this.clock = clock;
  }

  async createEvent(body: EventBody) {
    const venue = await this.venues.existingVenue(body.venueId);
    const prices = checkPrices(body.prices, venue.plan);
    const event = await inTransaction(this.db, (client) =>
      this.repository.insertEvent(
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
      const current = await this.repository.lockEvent(client, id);
      if (!current) throw new AppError('EVENT_NOT_FOUND', undefined, { id });
      const venueChanges = patch.venueId !== undefined && patch.venueId !== current.venueId;
      // Tickets are generated per seat of the venue; another venue would orphan them.
      if (venueChanges && (await this.repository.countPerformances(client, id)) > 0) {
        throw new AppError('VENUE_LOCKED', undefined, { eventId: id });
      }
      const venue = await this.venues.existingVenue(patch.venueId ?? current.venueId);
      if (patch.prices !== undefined || venueChanges) {
        const prices = patch.prices ?? (await this.repository.pricesOf([id])).get(id) ?? [];
        await this.repository.replacePrices(client, id, checkPrices(prices, venue.plan));
      }
      return (await this.repository.updateEvent(client, id, {
        venueId: patch.venueId,
        title: patch.title?.trim(),
        artist: patch.artist?.trim(),
        category: patch.category?.trim().toLowerCase(),
        description: patch.description,
        imageUrl: patch.imageUrl,
      }))!;
    });
    await this.changes.notify({ kind: 'event', id });
    return toEvent(updated, (await this.repository.pricesOf([id])).get(id) ?? []);
  }

  /** Deletes an event with its prices, only while it has no performances (they hold its sales). */
  async deleteEvent(id: string): Promise<void> {
    await inTransaction(this.db, async (client) => {
      if (!(await this.repository.lockEvent(client, id)))
        throw new AppError('EVENT_NOT_FOUND', undefined, { id });
      if ((await this.repository.countPerformances(client, id)) > 0) {
        throw new AppError('EVENT_HAS_PERFORMANCES', undefined, { id });
      }
      await this.repository.deleteEvent(client, id);
    });
    await this.changes.notify({ kind: 'event', id });
  }

  async event(id: string) {
    const event = await this.repository.findEvent(id);
    if (!event) throw new AppError('EVENT_NOT_FOUND', undefined, { id });
    const [prices, venue, performances] = await Promise.all([
      this.repository.pricesOf([id]),
      this.venues.existingVenue(event.venueId),
      this.performances.performancesOf(id),
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
    const { events, total } = await this.repository.searchEvents({
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
    const prices = await this.repository.pricesOf(events.map((e) => e.id));
    return {
      events: events.map((e) => toEvent(e, prices.get(e.id) ?? [])),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }
}
