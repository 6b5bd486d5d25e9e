import type { Clock } from '../platform/clock.js';
import { inTransaction, type Db } from '../platform/db.js';
import { Memo } from '../platform/memo.js';
import { SharedCache } from '../platform/shared-cache.js';
import { AppError } from '../contract/errors.js';
import { DEFAULT_ORGANIZATION_ID } from '../contract/teams.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import { KnownIds } from '../inventory/known-ids.js';
import { saleStateOf, type PerformanceRow } from '../inventory/performance.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { SeatsLeftCounter } from '../inventory/seats-left.js';
import type { EventRepository, EventRow, PriceRow } from './event-repository.js';
import type { PerformanceRepository } from './performance-repository.js';
import { checkPrices } from './prices.js';
import type { EventBody, EventDetail, EventPatch, SearchQuery, SearchResult } from '../contract/catalog.js';
import type { VenueService } from './venues.js';
import type { VenueRow } from './venue-repository.js';
import { toEvent, toPerformance, toVenue } from './views.js';
import { unlessGone } from './gone.js';
import type { CatalogReadDb } from './read-db.js';

/** Changes are announced (CatalogChanges); this bounds what a node that missed the message serves. */
const TTL_MS = 30_000;
/** Search results kept per node: the first pages of the queries buyers repeat, not every query. */
const SEARCHES_KEPT = 1_000;
const SEARCH_PAGES_KEPT = 3;

/** What the event page is made of, read together once per change. */
interface EventSources {
  event: EventRow;
  prices: PriceRow[];
  venue: VenueRow;
  performances: PerformanceRow[];
}

export interface EventServiceOptions {
  db: Db;
  repository: EventRepository;
  venues: VenueService;
  performances: PerformanceRepository;
  inventory: InventoryRepository;
  /** What is left of each grade of a performance on sale (the engine's bitset). */
  seatsLeft: SeatsLeftCounter;
  changes: CatalogChanges;
  clock: Clock;
  /** The event page and the search read here: a replica when one is configured (decision 036). */
  reads: CatalogReadDb;
}

/**
 * Events with their grade prices, the event page and the search. The page and the first pages of
 * searches are kept in memory on every node and dropped when any part of the catalog changes (an
 * event page shows its venue and performances; a search, any event): edits are rare, reads are the
 * herd. Ids that do not exist are answered from memory (KnownIds).
 */
export class EventService {
  private readonly db: Db;
  private readonly repository: EventRepository;
  private readonly venues: VenueService;
  private readonly performances: PerformanceRepository;
  private readonly changes: CatalogChanges;
  private readonly clock: Clock;
  private readonly ids: KnownIds;
  private readonly sources: SharedCache<EventSources>;
  private readonly searches: SharedCache<SearchResult>;
  private readonly views = new Memo<EventDetail>();
  private readonly seatsLeft: SeatsLeftCounter;
  private readonly reads: CatalogReadDb;

  constructor({
    db,
    repository,
    venues,
    performances,
    inventory,
    seatsLeft,
    changes,
    clock,
    reads,
  }: EventServiceOptions) {
    this.db = db;
    this.reads = reads;
    this.seatsLeft = seatsLeft;
    this.repository = repository;
    this.venues = venues;
    this.performances = performances;
    this.changes = changes;
    this.clock = clock;
    this.ids = new KnownIds({ idsAfter: (after) => inventory.catalogIdsAfter('events', after), clock });
    this.sources = new SharedCache(TTL_MS, clock);
    this.searches = new SharedCache(TTL_MS, clock, { maxEntries: SEARCHES_KEPT });
    changes.onChange(({ kind, id }) => {
      if (kind === 'event') this.ids.found(id);
      this.sources.clear();
      this.searches.clear();
    });
  }

  /** A new event of the organization, at one of its venues (another's is not found). */
  async createEvent(body: EventBody, organizationId = DEFAULT_ORGANIZATION_ID) {
    const venue = await this.venues.existingVenue(body.venueId);
    if (venue.organizationId !== organizationId)
      throw new AppError('VENUE_NOT_FOUND', undefined, { id: venue.id });
    const prices = checkPrices(body.prices, venue.plan);
    // The venue (or the organization) may be deleted after the check above: see unlessGone.
    const event = await unlessGone(
      inTransaction(this.db, (client) =>
        this.repository.insertEvent(
          client,
          {
            venueId: venue.id,
            organizationId,
            title: body.title.trim(),
            artist: body.artist?.trim() ?? '',
            category: body.category.trim().toLowerCase(),
            description: body.description ?? '',
            imageUrl: body.imageUrl ?? null,
            currency: body.currency ?? 'KRW',
          },
          prices,
        ),
      ),
    );
    await this.changes.announce('event', event.id);
    return toEvent(event, prices);
  }

  async updateEvent(id: string, patch: EventPatch) {
    // A venue moved to may be deleted after its check: see unlessGone.
    const updated = await unlessGone(
      inTransaction(this.db, async (client) => {
        const current = await this.repository.lockEvent(client, id);
        if (!current) throw new AppError('EVENT_NOT_FOUND', undefined, { id });
        const venueChanges = patch.venueId !== undefined && patch.venueId !== current.venueId;
        // Tickets are generated per seat of the venue; another venue would orphan them.
        if (venueChanges && (await this.repository.countPerformances(client, id)) > 0) {
          throw new AppError('VENUE_LOCKED', undefined, { eventId: id });
        }
        const venue = await this.venues.existingVenue(patch.venueId ?? current.venueId);
        // An event moves only to a venue of its own organization; another's is not found.
        if (venue.organizationId !== current.organizationId)
          throw new AppError('VENUE_NOT_FOUND', undefined, { id: venue.id });
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
      }),
    );
    await this.changes.announce('event', id);
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
    await this.changes.announce('event', id);
  }

  /**
   * The event page: from memory, rebuilt when the catalog changes, a performance's sale state moves on
   * or a seat of a performance on sale moves (what is left of each grade, from the engine's bitset).
   */
  async event(id: string): Promise<EventDetail> {
    const sources = await this.sources.get(id, () => this.readSources(id));
    const now = this.clock.now();
    const states = sources.performances.map((p) => saleStateOf(p, now));
    const left = await Promise.all(
      sources.performances.map((p, i) =>
        states[i] === 'onsale' ? this.seatsLeft.gradesOf(p, sources.venue.plan) : Promise.resolve(undefined),
      ),
    );
    return this.views.get(id, [sources, states.join(), ...left], () => ({
      ...toEvent(sources.event, sources.prices),
      venue: toVenue(sources.venue),
      performances: sources.performances.map((p, i) => ({
        ...toPerformance(p, states[i]!),
        ...(left[i] ? { seatsLeft: left[i] } : {}),
      })),
    }));
  }

  private async readSources(id: string): Promise<EventSources> {
    const found = (await this.ids.mayExist(id))
      ? await this.reads.read(async (db) => {
          const event = await this.repository.findEvent(id, db);
          if (!event) return undefined;
          const [prices, performances] = await Promise.all([
            this.repository.pricesOf([id], db),
            this.performances.performancesOf(id, db),
          ]);
          return { event, prices: prices.get(id) ?? [], performances };
        })
      : undefined;
    if (!found) {
      this.ids.gone(id);
      throw new AppError('EVENT_NOT_FOUND', undefined, { id });
    }
    return { ...found, venue: await this.venues.existingVenue(found.event.venueId) };
  }

  /** The first pages of a search come from memory; later pages, and what the cache does not hold, from PostgreSQL. */
  searchEvents(query: SearchQuery): Promise<SearchResult> {
    if (query.page > SEARCH_PAGES_KEPT) return this.search(query);
    const key = JSON.stringify([
      (query.q ?? '').trim().toLowerCase(),
      query.category?.trim().toLowerCase(),
      query.from,
      query.to,
      query.page,
      query.pageSize,
    ]);
    return this.searches.get(key, () => this.search(query));
  }

  private async search(query: SearchQuery): Promise<SearchResult> {
    const terms = (query.q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 10);
    const search = {
      terms,
      category: query.category?.trim().toLowerCase(),
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    };
    // The page and its prices from the same database, so that they agree.
    const { events, total, prices } = (await this.reads.read(async (db) => {
      const page = await this.repository.searchEvents(search, db);
      return {
        ...page,
        prices: await this.repository.pricesOf(
          page.events.map((e) => e.id),
          db,
        ),
      };
    }))!;
    if (events.length === 0 && query.page > 1) {
      throw new AppError('PAGE_OUT_OF_RANGE', undefined, {
        page: query.page,
        pages: Math.ceil(total / query.pageSize),
      });
    }
    return {
      events: events.map((e) => toEvent(e, prices.get(e.id) ?? [])),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }
}
