import { createTeams, type Teams } from './teams/teams.js';
import { teamRoutes } from './teams/routes.js';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { AuthService, type AccessClaims } from './auth/service.js';
import { UserRepository } from './auth/repository.js';
import { authRoutes } from './auth/routes.js';
import { createGuard } from './auth/guard.js';
import { Sessions } from './auth/sessions.js';
import { Totp } from './auth/totp.js';
import { AccountLinks } from './auth/account-links.js';
import { accountLinkRoutes } from './auth/account-link-routes.js';
import { AccountTokenRepository } from './auth/token-repository.js';
import { createCatalog, type Catalog } from './catalog/catalog.js';
import { PerformanceRepository } from './catalog/performance-repository.js';
import { catalogRoutes } from './catalog/routes.js';
import { REFUND_CANCELLED } from './catalog/live-controls.js';
import { GENERATE_TICKETS, ticketGeneration } from './catalog/tickets.js';
import { AvailabilityService } from './inventory/availability.js';
import { CatalogChanges } from './inventory/catalog-changes.js';
import { PerformanceCache } from './inventory/performance-cache.js';
import { InventoryRepository } from './inventory/repository.js';
import { JobRepository } from './jobs/repository.js';
import { JobRunner } from './jobs/runner.js';
import { serveMetrics } from './ops/metrics.js';
import { opsRoutes } from './ops/routes.js';
import { createQueue } from './queue/queue.js';
import { queueRoutes } from './queue/routes.js';
import type { QueueService } from './queue/service.js';
import type { QueueStreams } from './queue/streams.js';
import type { AdmissionTicker } from './queue/ticker.js';
import { Readiness, registerReadinessMetrics } from './ops/readiness.js';
import { createBooking } from './booking/booking.js';
import type { CheckoutService } from './booking/checkout/service.js';
import type { HoldService } from './booking/holds/service.js';
import type { OrderService } from './booking/orders/service.js';
import type { PaymentPort } from './booking/payments.js';
import { bookingRoutes } from './booking/routes.js';
import type { BookingSweeper } from './booking/sweeper.js';
import type { TicketService } from './booking/tickets/service.js';
import { LeaderElector } from './engine/coordination/leader.js';
import type { Clock } from './platform/clock.js';
import { loadConfig, type Config } from './platform/config.js';
import type { Db } from './platform/db.js';
import type { Engine } from './engine/index.js';
import { createHttpServer, type App } from './platform/http.js';
import type { Logger } from './platform/logger.js';
import { createMetrics } from './platform/metrics.js';
import { TokenKind } from './platform/tokens.js';
import { WEB_DIST, webRoutes } from './web/routes.js';
import { createMail, type Mail } from './mail/mail.js';
import { mailRoutes } from './mail/routes.js';

export type AppSettings = Partial<Pick<Config, 'mail' | 'challenge' | 'queueRecord'>> &
  Pick<
    Config,
    | 'authRateLimitPerMinute'
    | 'trustProxy'
    | 'accessTokenTtlSeconds'
    | 'bodyLimitBytes'
    | 'corsOrigins'
    | 'paymentLatencyMs'
    | 'paymentTimeoutMs'
    | 'metrics'
    | 'docs'
  >;

export interface AppDeps {
  db: Db;
  /** A replica the catalog's public reads go to (DATABASE_READ_URL, decision 036); only those. */
  readDb?: Db;
  engine: Engine;
  clock: Clock;
  logger: Logger;
  secret: string;
  settings: AppSettings;
  /** The payment provider; the built-in simulator (with the configured latency) when omitted. */
  payments?: PaymentPort;
  /** The built web app to serve at `/`; defaults to this checkout's `web/dist`. */
  webRoot?: string;
}

export interface BuiltApp {
  app: App;
  /** The metrics port's server (TMOMI_METRICS_PORT), for the process to listen with; closed with `app`. */
  metricsServer: App | undefined;
  auth: AuthService;
  catalog: Catalog;
  /** Announces catalog changes to every node (and lets a cache listen: onChange). */
  catalogChanges: CatalogChanges;
  queue: QueueService;
  streams: QueueStreams;
  ticker: AdmissionTicker;
  availability: AvailabilityService;
  jobs: JobRunner;
  readiness: Readiness;
  holds: HoldService;
  checkout: CheckoutService;
  orders: OrderService;
  tickets: TicketService;
  sweeper: BookingSweeper;
  /** What /metrics serves, for tests that look at the series themselves. */
  metrics: Registry;
  mail: Mail;
  /** Organizations, roles, the admin routes' access checks and the audit log. */
  teams: Teams;
}

/** The composition root: wires repositories and services from the ports and registers every feature. */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const { settings } = deps;
  const metrics = createMetrics();
  // The edge's settings (body limit, proxies, CORS, docs) are named as in the configuration.
  const app = await createHttpServer({ ...settings, logger: deps.logger, metrics });

  const users = new UserRepository(deps.db);
  const sessions = new Sessions({ users, engine: deps.engine, clock: deps.clock, logger: deps.logger });
  await sessions.start();
  // Mail renders orders, which booking (built below) reads; it reads them only once the app runs.
  const built: { orders?: Pick<OrderService, 'forMail'> } = {};
  const mail = createMail({
    db: deps.db,
    engine: deps.engine,
    orders: { forMail: (id, opts) => built.orders!.forMail(id, opts) },
    // Apps built without mail settings (benchmarks) keep their mail and run no worker.
    config: settings.mail ?? { ...loadConfig({}).mail, worker: false },
    registry: metrics.registry,
    clock: deps.clock,
    logger: deps.logger,
  });

  const links = new AccountLinks({
    users,
    tokens: new AccountTokenRepository(deps.db),
    mailer: mail.service,
    sessions,
    clock: deps.clock,
  });
  const totp = new Totp({ users, secret: deps.secret, clock: deps.clock });
  const auth = new AuthService({
    users,
    accessTokens: new TokenKind<AccessClaims>(deps.secret, 'access', deps.clock),
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    sessions,
    totp,
    verification: links,
  });
  const guard = createGuard({ auth, sessions, trustedOrigins: settings.corsOrigins });
  const readiness = new Readiness({ db: deps.db, engine: deps.engine });
  registerReadinessMetrics(metrics.registry, readiness);

  const inventory = new InventoryRepository(deps.db);
  const jobRepository = new JobRepository(deps.db);
  const jobs = new JobRunner({
    jobs: jobRepository,
    handlers: {
      [GENERATE_TICKETS]: ticketGeneration(deps.db, new PerformanceRepository(deps.db), jobRepository),
      [REFUND_CANCELLED]: (job, ctx) =>
        refundCancelled(job, ctx, (n) => jobRepository.progress(deps.db, job.id, n)),
    },
    logger: deps.logger,
  });
  const availability = new AvailabilityService({ engine: deps.engine, inventory, clock: deps.clock });
  // Organizers' changes reach every node's caches over the engine's pub/sub (each cache listens).
  const catalogChanges = new CatalogChanges({ engine: deps.engine, logger: deps.logger });
  await catalogChanges.start();
  const performances = new PerformanceCache({ inventory, clock: deps.clock, changes: catalogChanges });
  const catalog = createCatalog({
    ...deps,
    inventory,
    jobs: jobRepository,
    availability,
    rows: performances,
    clock: deps.clock,
    logger: deps.logger,
    engine: deps.engine,
    changes: catalogChanges,
    onJobQueued: () => jobs.kick(),
  });

  // What exactly one node runs at a time (admission, the sweeper) holds a lease of the engine's.
  const leader = (name: string) =>
    new LeaderElector({ engine: deps.engine, name, holderId: randomUUID(), ttlMs: 3_000 });
  const queueing = createQueue({
    ...deps,
    inventory,
    performances,
    registry: metrics.registry,
    turns: mail.turns,
    leader,
  });
  const { queue, streams, ticker } = queueing;
  // Each node hears of the waiting list's offers made anywhere, for the streams it holds.
  await streams.listen();

  // The caches of catalog rows listen themselves; the ticker re-reads its list of open rooms.
  catalogChanges.onChange(() => ticker.refreshSoon());

  const booking = createBooking({
    db: deps.db,
    engine: deps.engine,
    secret: deps.secret,
    payments: deps.payments,
    paymentLatencyMs: settings.paymentLatencyMs,
    paymentTimeoutMs: settings.paymentTimeoutMs,
    inventory,
    performances,
    catalogPerformances: catalog.performances,
    availability,
    queue,
    marks: queueing.marks,
    registry: metrics.registry,
    clock: deps.clock,
    logger: deps.logger,
    changes: catalogChanges,
    leader,
  });
  const { holds, orders, sweeper, refundCancelled } = booking;
  built.orders = orders;

  app.decorateRequest('caller', null);
  app.decorateRequest('access', null);
  // Before any route is declared: every route under /api/admin gets its access check and audit here.
  const teams = createTeams({ ...deps, guard, sessions, mailer: mail.service });
  teams.access.install(app);
  opsRoutes(app, { readiness });
  const metricsServer = serveMetrics(app, {
    registry: metrics.registry,
    ...settings.metrics,
    logger: deps.logger,
  });
  authRoutes(app, {
    auth,
    sessions,
    totp,
    guard,
    engine: deps.engine,
    attemptsPerMinute: settings.authRateLimitPerMinute,
  });
  catalogRoutes(app, { catalog, guard, availability, changes: catalogChanges });
  queueRoutes(app, { ...queueing, guard });
  bookingRoutes(app, { ...booking, guard, limits: deps.engine });
  mailRoutes(app, { mail: mail.service, guard });
  teamRoutes(app, { teams, guard, auth, engine: deps.engine });
  accountLinkRoutes(app, { links, engine: deps.engine, attemptsPerMinute: settings.authRateLimitPerMinute });
  await webRoutes(app, deps.webRoot ?? WEB_DIST);

  // Background work lives as long as the HTTP server. On close, first (preClose, before Fastify waits
  // for in-flight requests): streams are told to reconnect elsewhere, and the leases are released so
  // another node's ticker and sweeper take over at once rather than after a slow request; then their
  // rounds under way (which see the lease gone) are waited for, so none outlives the pool. Last, the
  // job runner finishes its current chunk.
  app.addHook('preClose', async () => {
    streams.closeAll();
    await Promise.all([ticker.stop(), sweeper.stop(), mail.worker.stop()]);
  });
  app.addHook('onClose', async () => {
    await streams.stopListen();
    await sessions.stop();
    await catalogChanges.stop();
    await jobs.stop();
    await holds.settled();
    // The waiting room's record: what the last requests buffered is written before the pool closes.
    await queueing.recorder?.flushed();
  });
  await app.ready();
  jobs.start();
  ticker.start();
  sweeper.start();
  if (settings.mail?.worker) mail.worker.start();
  return {
    app,
    metricsServer,
    auth,
    catalog,
    catalogChanges,
    availability,
    queue,
    streams,
    ticker,
    jobs,
    readiness,
    ...booking,
    metrics: metrics.registry,
    mail,
    teams,
  };
}
