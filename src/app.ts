import { randomUUID } from 'node:crypto';
import { AuthService, type AccessClaims } from './auth/service.js';
import { UserRepository } from './auth/repository.js';
import { authRoutes } from './auth/routes.js';
import { createGuard } from './auth/guard.js';
import { AvailabilityService } from './catalog/availability.js';
import { CatalogRepository } from './catalog/repository.js';
import { catalogRoutes } from './catalog/routes.js';
import { CatalogService } from './catalog/service.js';
import { GENERATE_TICKETS, ticketGeneration } from './catalog/tickets.js';
import { JobRepository } from './jobs/repository.js';
import { JobRunner } from './jobs/runner.js';
import { opsRoutes } from './ops/routes.js';
import { createQueueMetrics } from './queue/metrics.js';
import { PerformanceCache } from './queue/performances.js';
import { queueRoutes } from './queue/routes.js';
import { AdmissionRates, QueueService, type PassClaims } from './queue/service.js';
import { QueueStreams } from './queue/streams.js';
import { AdmissionTicker } from './queue/ticker.js';
import { Readiness } from './ops/readiness.js';
import { LeaderElector } from './platform/leader.js';
import type { Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import type { Db } from './platform/db.js';
import type { Engine } from './platform/engine/index.js';
import { createHttpServer, type App } from './platform/http.js';
import type { Logger } from './platform/logger.js';
import { createMetrics } from './platform/metrics.js';
import { TokenKind } from './platform/tokens.js';
import { WEB_DIST, webRoutes } from './web/routes.js';

export type AppSettings = Pick<
  Config,
  'authRateLimitPerMinute' | 'trustProxy' | 'accessTokenTtlSeconds' | 'bodyLimitBytes' | 'corsOrigins'
>;

export interface AppDeps {
  db: Db;
  engine: Engine;
  clock: Clock;
  logger: Logger;
  secret: string;
  settings: AppSettings;
  /** The built web app to serve at `/`; defaults to this checkout's `web/dist`. */
  webRoot?: string;
}

export interface BuiltApp {
  app: App;
  auth: AuthService;
  catalog: CatalogService;
  queue: QueueService;
  streams: QueueStreams;
  ticker: AdmissionTicker;
  availability: AvailabilityService;
  jobs: JobRunner;
  readiness: Readiness;
}

/** The composition root: wires repositories and services from the ports and registers every feature. */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const { settings } = deps;
  const metrics = createMetrics();
  const app = await createHttpServer({
    logger: deps.logger,
    metrics,
    bodyLimitBytes: settings.bodyLimitBytes,
    trustProxy: settings.trustProxy,
    corsOrigins: settings.corsOrigins,
  });

  const auth = new AuthService(
    new UserRepository(deps.db),
    new TokenKind<AccessClaims>(deps.secret, 'access', deps.clock),
    settings.accessTokenTtlSeconds,
  );
  const guard = createGuard(auth);
  const readiness = new Readiness({ db: deps.db, engine: deps.engine });

  const catalogRepository = new CatalogRepository(deps.db);
  const jobRepository = new JobRepository(deps.db);
  const jobs = new JobRunner(
    jobRepository,
    { [GENERATE_TICKETS]: ticketGeneration(deps.db, catalogRepository, jobRepository) },
    deps.logger,
  );
  const availability = new AvailabilityService(deps.engine, catalogRepository, deps.clock);
  const catalog = new CatalogService(
    deps.db,
    catalogRepository,
    jobRepository,
    availability,
    deps.clock,
    () => jobs.kick(),
  );

  const queueMetrics = createQueueMetrics(metrics.registry);
  const performances = new PerformanceCache(catalogRepository, deps.clock);
  const queue = new QueueService(
    deps.engine,
    performances,
    new TokenKind<PassClaims>(deps.secret, 'queue-pass', deps.clock),
    new AdmissionRates(deps.engine, deps.clock),
    deps.clock,
  );
  const streams = new QueueStreams(deps.engine, queue, performances, deps.clock, queueMetrics, deps.logger);
  const ticker = new AdmissionTicker(
    deps.engine,
    catalogRepository,
    new LeaderElector(deps.engine, { name: 'leader:admission', holderId: randomUUID(), ttlMs: 3_000 }),
    deps.clock,
    queueMetrics,
    deps.logger,
  );

  app.decorateRequest('caller', null);
  opsRoutes(app, { readiness, metrics });
  authRoutes(app, { auth, guard, engine: deps.engine, attemptsPerMinute: settings.authRateLimitPerMinute });
  catalogRoutes(app, { catalog, guard });
  queueRoutes(app, { queue, streams, guard, metrics: queueMetrics, engine: deps.engine });
  await webRoutes(app, deps.webRoot ?? WEB_DIST);

  // Background work lives as long as the HTTP server. On close: streams are told to reconnect elsewhere
  // (preClose, before Fastify waits for connections to end), the lease is released so another node's
  // ticker takes over at once, and the job runner finishes its current chunk.
  app.addHook('preClose', async () => streams.closeAll());
  app.addHook('onClose', async () => {
    await Promise.all([ticker.stop(), jobs.stop()]);
  });
  await app.ready();
  jobs.start();
  ticker.start();
  return { app, auth, catalog, availability, queue, streams, ticker, jobs, readiness };
}
