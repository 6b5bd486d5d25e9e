import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { WaitingRoom } from '../engine/waiting-room/port.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';
import { LiveControls } from './live-controls.js';
import type { JobRepository } from '../jobs/repository.js';
import type { AvailabilityService } from '../inventory/availability.js';
import type { InventoryRepository } from '../inventory/repository.js';
import type { PerformanceCache } from '../inventory/performance-cache.js';
import { SeatsLeftCounter } from '../inventory/seats-left.js';
import { EventRepository } from './event-repository.js';
import { EventService } from './events.js';
import { PerformanceRepository } from './performance-repository.js';
import { PerformanceService } from './performances.js';
import { VenueRepository } from './venue-repository.js';
import { VenueService } from './venues.js';
import { CatalogReadDb } from './read-db.js';

/** What the catalog serves: venues, events and their performances, one service each. */
export interface Catalog {
  venues: VenueService;
  events: EventService;
  performances: PerformanceService;
  /** Live sale controls: edits of a performance on sale, pause and resume. */
  live: LiveControls;
}

/** The catalog's services wired together over their repositories. */
export function createCatalog(deps: {
  db: Db;
  /** A replica for the public reads (DATABASE_READ_URL); without it they read `db`. */
  readDb?: Db;
  inventory: InventoryRepository;
  jobs: JobRepository;
  availability: AvailabilityService;
  /** The performance rows every node keeps (the queue and booking read the same ones). */
  rows: PerformanceCache;
  /** How the catalog tells every node that a record changed. */
  changes: CatalogChanges;
  clock: Clock;
  logger: Logger;
  engine: WaitingRoom;
  onJobQueued: () => void;
  /** Apps built without it (tests, benchmarks) make performances without a proof of work at the door. */
  settings?: { challenge?: { difficulty: number } };
}): Catalog {
  const { db, clock, inventory, engine, changes, logger } = deps;
  const events = new EventRepository(db);
  const performances = new PerformanceRepository(db);
  const reads = new CatalogReadDb({ primary: db, replica: deps.readDb, changes, logger });
  const venues = new VenueService({
    db,
    repository: new VenueRepository(db),
    inventory,
    changes,
    clock,
    reads,
  });
  const seatsLeft = new SeatsLeftCounter(deps.availability);
  return {
    venues,
    events: new EventService({
      db,
      repository: events,
      venues,
      performances,
      inventory,
      seatsLeft,
      changes,
      clock,
      reads,
    }),
    performances: new PerformanceService({
      ...deps,
      seatsLeft,
      challengeDifficulty: deps.settings?.challenge?.difficulty ?? 0,
      repository: performances,
      events,
      venues,
    }),
    live: new LiveControls({
      db,
      repository: performances,
      jobs: deps.jobs,
      onJobQueued: deps.onJobQueued,
      engine,
      changes,
      clock,
      logger,
    }),
  };
}
