import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { pino, type Logger } from 'pino';
import { buildApp, type AppSettings, type BuiltApp } from '../src/app.js';
import type { PaymentPort } from '../src/booking/payments.js';
import type { Clock } from '../src/platform/clock.js';
import { createPool, type Db } from '../src/platform/db.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import { workerDatabases } from './worker-databases.js';

/**
 * The runtime configurations every HTTP test runs in: the embedded one always (embedded PostgreSQL +
 * memory engine), and the scaled one (the real PostgreSQL and Redis) when DATABASE_URL and REDIS_URL are set.
 * `cluster`: also the cluster mode when the run has one (test/redis-cluster-mode.ts): the engine on a
 * Redis Cluster, with the scaled mode's database (or the embedded one). Only the suites that cover what
 * a cluster changes ask for it (the waiting room's and the booking's), to keep its cost small.
 */
export interface Mode {
  /** 'pgbouncer': the scaled database (else the embedded one) through PgBouncer in transaction mode. */
  name: 'embedded' | 'scaled' | 'cluster' | 'pgbouncer';
  databaseUrl: string;
  redisUrl: string | undefined;
}

export function modes(opts: { cluster?: boolean; pgbouncer?: boolean } = {}): Mode[] {
  const { embedded, scaled, pgbouncer } = workerDatabases();
  const list: Mode[] = [{ name: 'embedded', databaseUrl: embedded, redisUrl: undefined }];
  if (scaled && inject('redisUrl')) {
    list.push({ name: 'scaled', databaseUrl: scaled, redisUrl: inject('redisUrl') });
  }
  if (opts.cluster && inject('redisClusterUrl')) {
    list.push({ name: 'cluster', databaseUrl: scaled || embedded, redisUrl: inject('redisClusterUrl') });
  }
  // With the scaled database it goes with the scaled engine; with the embedded one, the memory engine.
  if (opts.pgbouncer && pgbouncer) {
    const redisUrl = scaled && inject('redisUrl') ? inject('redisUrl') : undefined;
    list.push({ name: 'pgbouncer', databaseUrl: pgbouncer, redisUrl });
  }
  return list;
}

/** A settable clock for tests that need time to pass without sleeping. */
export class TestClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestApp extends BuiltApp {
  db: Db;
  engine: Engine;
  clock: Clock;
  close(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hmac-keys';
/** The apps' TMOMI_METRICS_TOKEN: /metrics is served on the API port, behind it. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-long-enough';
/** The header a scrape of a test app's /metrics sends. */
export const METRICS_AUTH = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };

/** A test app's count of one series: `name` with `label` = `value` (0 before its first count). */
export async function seriesValue(t: TestApp, name: string, label: string, value: string): Promise<number> {
  const { values } = await t.metrics.getSingleMetric(name)!.get();
  return values.find((v) => v.labels[label] === value)?.value ?? 0;
}

export async function startTestApp(
  mode: Mode,
  opts: {
    settings?: Partial<AppSettings>;
    clock?: Clock;
    payments?: PaymentPort;
    webRoot?: string;
    /** Another test app's engine, as two nodes share one Redis; that app closes it. */
    sharedEngine?: Engine;
    /** Where the app logs (silent unless TEST_LOG says a level): a test that reads what was logged. */
    logger?: Logger;
    /** The catalog's replica (DATABASE_READ_URL); the caller closes it. */
    readDb?: Db;
  } = {},
): Promise<TestApp> {
  const db = createPool(mode.databaseUrl, { max: 10 });
  // A key prefix per app keeps parallel test files from sharing rate-limit windows or leases. Under
  // `test:<runId>:`, so that the global teardown deletes them all.
  const engine =
    opts.sharedEngine ??
    (await createEngine({
      redisUrl: mode.redisUrl,
      keyPrefix: `test:${inject('runId')}:${randomUUID().slice(0, 8)}:`,
    }));
  const clock = opts.clock ?? { now: () => Date.now() };
  const built = await buildApp({
    db,
    engine,
    clock,
    logger: opts.logger ?? pino({ level: process.env.TEST_LOG ?? 'silent' }),
    secret: TEST_SECRET,
    ...(opts.payments ? { payments: opts.payments } : {}),
    ...(opts.readDb ? { readDb: opts.readDb } : {}),
    settings: {
      authRateLimitPerMinute: 100_000,
      trustProxy: false,
      accessTokenTtlSeconds: 3600,
      bodyLimitBytes: 64 * 1024,
      corsOrigins: [],
      paymentLatencyMs: 0,
      paymentTimeoutMs: 2_000,
      metrics: { token: TEST_METRICS_TOKEN, port: undefined, host: '127.0.0.1' },
      docs: false,
      // No worker unless a test asks: the outbox is shared by every test file, and the one that
      // watches mail must be the one that delivers it.
      mail: {
        smtpUrl: undefined,
        from: 'Tmomi <no-reply@tmomi.test>',
        ratePerSecond: 1000,
        concurrency: 4,
        publicUrl: 'http://tmomi.test',
        worker: false,
        retry: { baseMs: 200, maxMs: 2_000, maxAttempts: 5 },
      },
      ...opts.settings,
    },
    webRoot: opts.webRoot,
  });
  return {
    ...built,
    db,
    engine,
    clock,
    close: async () => {
      await built.app.close();
      if (!opts.sharedEngine) await engine.close();
      await db.end();
    },
  };
}

/** An email nobody else in this run uses. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@example.com`;
}

/** Logs in as a fresh admin; returns the Authorization header to send. */
export async function adminHeaders(t: TestApp): Promise<{ authorization: string }> {
  const email = uniqueEmail('admin');
  await t.auth.ensureAdmin({ email, password: 'admin-password' });
  const { accessToken } = await t.auth.login({ email, password: 'admin-password' });
  return { authorization: `Bearer ${accessToken}` };
}

/** Waits (bounded) until a background job has finished; returns its final state. */
export async function waitForJob(
  t: TestApp,
  jobId: string,
  timeoutMs = 30_000,
): Promise<{ state: string; done: number; total: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await t.catalog.performances.job(jobId);
    if (job.state === 'done' || job.state === 'failed' || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Signs up a fresh buyer; returns the user id, the token, and the Authorization header. */
export async function buyer(
  t: TestApp,
): Promise<{ id: string; token: string; headers: { authorization: string } }> {
  const { user, accessToken } = await t.auth.signup({
    email: uniqueEmail('buyer'),
    password: 'plum-cactus-orbit-42',
    name: 'Buyer',
  });
  return { id: user.id, token: accessToken, headers: { authorization: `Bearer ${accessToken}` } };
}

/** A venue's sections by grade, and each grade's price. */
export interface GradedSeats {
  sections: { name: string; grade: string; rows: number; seatsPerRow: number }[];
  prices: { grade: string; amount: number }[];
}

/**
 * A venue (one section of grade R at 50,000, 10 × 10 seats, unless `seats` says otherwise), an event
 * and a performance on sale now
 * (unless `performance` says otherwise), tickets generated.
 */
export async function onSalePerformance(
  t: TestApp,
  performance: Record<string, unknown> = {},
  seats: { rows: number; seatsPerRow: number } | GradedSeats = { rows: 10, seatsPerRow: 10 },
): Promise<{ performanceId: string; eventId: string; venueId: string }> {
  const { sections, prices }: GradedSeats =
    'sections' in seats
      ? seats
      : { sections: [{ name: 'A', grade: 'R', ...seats }], prices: [{ grade: 'R', amount: 50_000 }] };
  const admin = await adminHeaders(t);
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, payload, headers: admin });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json<{ id: string; jobId?: string }>();
  };
  const venue = await post('/api/admin/venues', {
    name: 'Test Hall',
    sections,
  });
  const event = await post('/api/admin/events', {
    title: 'Test Show',
    category: 'test',
    venueId: venue.id,
    prices,
  });
  const now = Date.now();
  const perf = await post(`/api/admin/events/${event.id}/performances`, {
    startsAt: new Date(now + 48 * 3600_000).toISOString(),
    // An hour back: a test file's TestClock is read when the file loads, and a slow machine may take
    // minutes to reach its last test; the sale must still be open by that clock.
    salesOpenAt: new Date(now - 3600_000).toISOString(),
    salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
    ...performance,
  });
  await waitForJob(t, perf.jobId!);
  return { performanceId: perf.id, eventId: event.id, venueId: venue.id };
}
