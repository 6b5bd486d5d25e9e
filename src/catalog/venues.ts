import { AppError } from '../contract/errors.js';
import { planSeats } from '../contract/layout.js';
import type { VenueBody } from '../contract/catalog.js';
import type { VenueRepository, VenueRow } from './venue-repository.js';
import { toSeatMap, toVenue } from './views.js';

export interface VenueServiceOptions {
  repository: VenueRepository;
}

/** Venues and their seat maps: described once, compactly, and never changed after. */
export class VenueService {
  private readonly repository: VenueRepository;

  constructor({ repository }: VenueServiceOptions) {
    this.repository = repository;
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
    // A venue's seats never change after creation, so its id and creation time identify the map.
    return { etag: `"venue-${venue.id}-${venue.createdAt.getTime()}"`, map: toSeatMap(venue) };
  }

  async existingVenue(id: string): Promise<VenueRow> {
    const venue = await this.repository.findVenue(id);
    if (!venue) throw new AppError('VENUE_NOT_FOUND', undefined, { id });
    return venue;
  }
}
