import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { JobRepository } from '../jobs/repository.js';
import type { AvailabilityService } from '../inventory/availability.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import { EventRepository } from './event-repository.js';
import { EventService } from './events.js';
import { PerformanceRepository } from './performance-repository.js';
import { PerformanceService } from './performances.js';
import { VenueRepository } from './venue-repository.js';
import { VenueService } from './venues.js';

/** What the catalog serves: venues, events and their performances, one service each. */
export interface Catalog {
  venues: VenueService;
  events: EventService;
  performances: PerformanceService;
}

/** The catalog's services wired together over their repositories. */
export function createCatalog(deps: {
  db: Db;
  inventory: InventoryRepository;
  jobs: JobRepository;
  availability: AvailabilityService;
  /** The performance rows every node keeps (the queue and booking read the same ones). */
  rows: PerformanceCache;
  changes: CatalogChanges;
  clock: Clock;
  onJobQueued: () => void;
}): Catalog {
  const { db, clock, inventory, changes } = deps;
  const events = new EventRepository(db);
  const performances = new PerformanceRepository(db);
  const venues = new VenueService({ repository: new VenueRepository(db), inventory, changes, clock });
  return {
    venues,
    events: new EventService({ db, repository: events, venues, performances, inventory, changes, clock }),
    performances: new PerformanceService({ ...deps, repository: performances, events, venues }),
  };
}
