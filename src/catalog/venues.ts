import { AppError } from '../contract/errors.js';
import { planSeats } from '../contract/layout.js';
import type { VenueBody, VenuePatch } from '../contract/catalog.js';
import { inTransaction, type Db } from '../platform/db.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import type { VenueRepository, VenueRow } from './venue-repository.js';
import { toSeatMap, toVenue } from './views.js';

export interface VenueServiceOptions {
  db: Db;
  repository: VenueRepository;
  changes: CatalogChanges;
}

/**
 * Venues and their seat maps, described compactly. Once an event uses a venue its seats never change
 * (tickets, prices and issued tickets name them), and it cannot be deleted; its name and address can.
 */
export class VenueService {
  private readonly db: Db;
  private readonly repository: VenueRepository;
  private readonly changes: CatalogChanges;

  constructor({ db, repository, changes }: VenueServiceOptions) {
    this.db = db;
    this.repository = repository;
    this.changes = changes;
  }

  async updateVenue(id: string, patch: VenuePatch) {
    // Planned before the transaction: a layout that is not valid is refused without a lock.
    const plan =
      patch.sections === undefined
        ? undefined
        : planSeats({ name: patch.name ?? 'venue', sections: patch.sections });
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
    await this.changes.notify({ kind: 'venue', id });
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
    await this.changes.notify({ kind: 'venue', id });
  }

  async createVenue(body: VenueBody) {
    const plan = planSeats(body);
    const venue = await this.repository.insertVenue({
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
    return (await this.repository.listVenues(pageSize, (page - 1) * pageSize)).map(toVenue);
  }

  /** The seat map, drawn from the stored plan: per-row runs, a few kilobytes for 50,000 seats. */
  async seatMap(id: string): Promise<{ etag: string; map: ReturnType<typeof toSeatMap> }> {
    const venue = await this.existingVenue(id);
    // Every edit of a venue moves its updatedAt, so its id and that instant identify the map.
    return { etag: `"venue-${venue.id}-${venue.updatedAt.getTime()}"`, map: toSeatMap(venue) };
  }

  async existingVenue(id: string): Promise<VenueRow> {
    const venue = await this.repository.findVenue(id);
    if (!venue) throw new AppError('VENUE_NOT_FOUND', undefined, { id });
    return venue;
  }
}
