import { AppError } from '../contract/errors.js';
import { DEFAULT_ORGANIZATION_ID } from '../contract/teams.js';
import { layoutError, planSeats, type LayoutInput, type SeatPlan } from '../contract/layout.js';
import { layoutBody } from '../contract/layout-export.js';
import type { SeatMap, Venue, VenueBody, VenuePatch } from '../contract/catalog.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import { unlessGone } from './gone.js';
import { KnownIds } from '../inventory/known-ids.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { Clock } from '../platform/clock.js';
import { inTransaction, type Db } from '../platform/db.js';
import { Memo } from '../platform/memo.js';
import { SharedCache } from '../platform/shared-cache.js';
import type { VenueRepository, VenueRow } from './venue-repository.js';
import { toSeatMap, toVenue } from './views.js';
import type { CatalogReadDb } from './read-db.js';

/** Changes are announced (CatalogChanges); this bounds what a node that missed the message serves. */
const TTL_MS = 30_000;

export interface VenueServiceOptions {
  db: Db;
  repository: VenueRepository;
  inventory: InventoryRepository;
  changes: CatalogChanges;
  clock: Clock;
  /** Venue rows (the seat layout) are read here: a replica when one is configured (decision 036). */
  reads: CatalogReadDb;
}

/**
 * Venues and their seat maps, described compactly. Once an event uses a venue its seats never change
 * (tickets, prices and issued tickets name them), and it cannot be deleted; its name and address can.
 * Every node keeps the rows it was asked for in memory and drops one when its change is announced;
 * ids that do not exist are answered from memory too (KnownIds).
 */
export class VenueService {
  private readonly db: Db;
  private readonly repository: VenueRepository;
  private readonly changes: CatalogChanges;
  private readonly rows: SharedCache<VenueRow>;
  private readonly ids: KnownIds;
  private readonly views = new Memo<Venue>();
  private readonly maps = new Memo<SeatMap>();
  private readonly reads: CatalogReadDb;

  constructor({ db, repository, inventory, changes, clock, reads }: VenueServiceOptions) {
    this.db = db;
    this.reads = reads;
    this.repository = repository;
    this.changes = changes;
    this.rows = new SharedCache(TTL_MS, clock);
    this.ids = new KnownIds({ idsAfter: (after) => inventory.catalogIdsAfter('venues', after), clock });
    changes.onChange(({ kind, id }) => {
      if (kind !== 'venue') return;
      this.rows.delete(id);
      this.ids.found(id);
    });
  }

  async updateVenue(id: string, patch: VenuePatch) {
    // Planned before the transaction: a layout that is not valid is refused without a lock.
    const plan = layoutOf(patch);
    const updated = await inTransaction(this.db, async (client) => {
      if (!(await this.repository.lockVenue(client, id)))
        throw new AppError('VENUE_NOT_FOUND', undefined, { id });
      if (plan && (await this.repository.countEvents(client, id)) > 0) {
        throw new AppError('VENUE_IN_USE', undefined, { id });
      }
      return this.repository.updateVenue(client, id, {
        name: patch.name?.trim(),
        address: patch.address,
        plan,
      });
    });
    await this.changes.announce('venue', id);
    return toVenue(updated);
  }

  async deleteVenue(id: string): Promise<void> {
    await inTransaction(this.db, async (client) => {
      if (!(await this.repository.lockVenue(client, id)))
        throw new AppError('VENUE_NOT_FOUND', undefined, { id });
      if ((await this.repository.countEvents(client, id)) > 0)
        throw new AppError('VENUE_IN_USE', undefined, { id });
      await this.repository.deleteVenue(client, id);
    });
    await this.changes.announce('venue', id);
  }

  /** A new venue of the organization (the caller's, which the access rule of the route chose). */
  async createVenue(body: VenueBody, organizationId = DEFAULT_ORGANIZATION_ID) {
    const plan = planSeats(body);
    const venue = await unlessGone(
      this.repository.insertVenue({
        name: body.name.trim(),
        address: body.address ?? '',
        plan,
        organizationId,
      }),
    );
    await this.changes.announce('venue', venue.id);
    return toVenue(venue);
  }

  async venue(id: string): Promise<Venue> {
    const row = await this.existingVenue(id);
    return this.views.get(id, [row], () => toVenue(row));
  }

  /** The admin's list: not a hot read, straight from PostgreSQL. */
  async venues(page: number, pageSize: number) {
    return (await this.repository.listVenues(pageSize, (page - 1) * pageSize)).map(toVenue);
  }

  /** The seat map, drawn from the stored plan: per-row runs, a few kilobytes for 50,000 seats. */
  async seatMap(id: string): Promise<SeatMap> {
    const row = await this.existingVenue(id);
    return this.maps.get(id, [row], () => toSeatMap(row));
  }

  /** Its layout as a body that, POSTed again, makes the same venue: the layout file an organizer exports. */
  async layout(id: string): Promise<LayoutInput> {
    const row = await this.existingVenue(id);
    return layoutBody(row.plan, row.name, row.address);
  }

  existingVenue(id: string): Promise<VenueRow> {
    return this.rows.get(id, async () => {
      const venue = (await this.ids.mayExist(id))
        ? await this.reads.read((db) => this.repository.findVenue(id, db))
        : undefined;
      if (!venue) {
        this.ids.gone(id);
        throw new AppError('VENUE_NOT_FOUND', undefined, { id });
      }
      return venue;
    });
  }
}

/**
 * The new layout a patch gives, planned, if it gives one. A layout is replaced whole: its standing
 * areas, stage, labels or version come with its sections.
 */
function layoutOf(patch: VenuePatch): SeatPlan | undefined {
  const { version, sections, standing, stage, labels } = patch;
  if (sections === undefined) {
    const part = (['version', 'standing', 'stage', 'labels'] as const).find((k) => patch[k] !== undefined);
    if (part) throw layoutError('sections', `a layout is replaced whole: give its sections with its ${part}`);
    return undefined;
  }
  return planSeats({
    name: patch.name ?? 'venue',
    sections,
    ...(version === undefined ? {} : { version }),
    ...(standing === undefined ? {} : { standing }),
    ...(stage === undefined ? {} : { stage }),
    ...(labels === undefined ? {} : { labels }),
  });
}
