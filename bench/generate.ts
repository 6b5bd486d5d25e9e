/**
 * bench/generate — ten million pre-generated tickets through Tmomi's own path, against a raw COPY of
 * the same rows plus the same index on the same PostgreSQL, in one run. Ratios hold on a noisy shared
 * machine where absolute times do not.
 *
 *   npm run bench:generate                       # 50,000 seats × 200 performances = 10,000,000 tickets
 *   npm run bench:generate -- --performances 20  # a smaller run (1,000,000 tickets)
 *
 * Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) to create a fresh database
 * of its own, dropped at the end. Prints the figures recorded in docs/benchmarks.md.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, migrate } from '../src/platform/db.js';
import { createMemoryEngine } from '../src/engine/index.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { BENCH_APP } from './common.js';

const { values } = parseArgs({
  options: { performances: { type: 'string', default: '200' }, keep: { type: 'boolean', default: false } },
});
const PERFORMANCES = Number(values.performances);
const SECTIONS = 10;
const ROWS_PER_SECTION = 10;
const SEATS_PER_ROW = 500; // 10 × 10 × 500 = 50,000 seats
const SEATS = SECTIONS * ROWS_PER_SECTION * SEATS_PER_ROW;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const logger = pino({ level: 'warn' });

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Samples this process's resident memory while `fn` runs: the app must never hold the rows. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; before: number; peak: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    return { result: await fn(), before, peak };
  } finally {
    clearInterval(timer);
  }
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_${Date.now().toString(36)}`);
const databaseUrl = scratch.url;

try {
  await migrate(databaseUrl, logger);
  const db = createPool(databaseUrl);
  const engine = createMemoryEngine();
  const deps = {
    db,
    engine,
    clock: systemClock,
    logger,
    secret: BENCH_APP.secret,
    settings: BENCH_APP.settings,
  };
  const built = await buildApp(deps);
  const { catalog } = built;
  const total = SEATS * PERFORMANCES;
  console.log(
    `bench/generate: ${SEATS.toLocaleString()} seats × ${PERFORMANCES} performances = ${total.toLocaleString()} tickets`,
  );

  // 1. Tmomi's own path: the admin API's services and the job runner.
  const venue = await catalog.venues.createVenue({
    name: 'Bench Stadium',
    sections: Array.from({ length: SECTIONS }, (_, i) => ({
      name: `S${i}`,
      grade: i < 2 ? 'VIP' : 'R',
      rows: ROWS_PER_SECTION,
      seatsPerRow: SEATS_PER_ROW,
    })),
  });
  const event = await catalog.events.createEvent({
    title: 'Bench Tour',
    artist: 'Bench',
    category: 'concert',
    venueId: venue.id,
    prices: [
      { grade: 'VIP', amount: 165_000 },
      { grade: 'R', amount: 99_000 },
    ],
  });
  const now = Date.now();
  const tmomi = await withPeakRss(async () => {
    const start = performance.now();
    const jobIds: string[] = [];
    for (let i = 0; i < PERFORMANCES; i++) {
      const { jobId } = await catalog.performances.createPerformance(event.id, {
        startsAt: new Date(now + (i + 2) * 86_400_000).toISOString(),
        salesOpenAt: new Date(now).toISOString(),
        salesCloseAt: new Date(now + (i + 1) * 86_400_000).toISOString(),
        holdTtlSeconds: 300,
        maxTicketsPerUser: 4,
        queue: {
          enabled: true,
          mode: 'fifo',
          prequeueMinutes: 30,
          admitPerSecond: 50,
          maxActive: 500,
          passTtlSeconds: 600,
        },
      });
      jobIds.push(jobId);
    }
    for (const jobId of jobIds) {
      for (;;) {
        const job = await catalog.performances.job(jobId);
        if (job.state === 'failed') throw new Error(`job ${jobId} failed: ${job.error}`);
        if (job.state === 'done') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return performance.now() - start;
  });
  const { rows: counted } = await db.query<{ n: string }>('SELECT count(*) AS n FROM tickets');
  if (Number(counted[0]!.n) !== total) throw new Error(`expected ${total} tickets, found ${counted[0]!.n}`);

  // 2. The baseline: the same rows COPYed into an empty table of the same shape, then the same index.
  // The primary key must be all there is to build: an index added to tickets belongs in the baseline too.
  const { rows: indexes } = await db.query<{ name: string }>(
    `SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'tickets'::regclass`,
  );
  if (indexes.length !== 1 || indexes[0]!.name !== 'tickets_pkey')
    throw new Error(
      `the baseline builds tickets_pkey only, tickets has ${indexes.map((i) => i.name).join(', ')}`,
    );
  const raw = await withPeakRss(async () => {
    const client = await db.connect();
    try {
      await client.query('CREATE TABLE raw_tickets (LIKE tickets INCLUDING DEFAULTS INCLUDING CONSTRAINTS)');
      const start = performance.now();
      const lines = (function* () {
        const batch: string[] = [];
        for (let p = 1; p <= PERFORMANCES; p++) {
          for (let s = 0; s < SEATS; s++) {
            batch.push(`${p}\t${s}\t0\n`);
            if (batch.length === 10_000) yield batch.splice(0).join('');
          }
        }
        if (batch.length > 0) yield batch.join('');
      })();
      await pipeline(
        Readable.from(lines),
        client.query(copyFrom('COPY raw_tickets (performance_id, seat_no, status) FROM STDIN')),
      );
      const copied = performance.now() - start;
      await client.query('ALTER TABLE raw_tickets ADD PRIMARY KEY (performance_id, seat_no)');
      return { copied, total: performance.now() - start };
    } finally {
      client.release();
    }
  });

  // 3. Reads with the ten million rows present.
  const perf = (await catalog.events.event(event.id)).performances[100 % PERFORMANCES]!;
  // An empty engine each time, as after a restart or a Redis wipe: the read rebuilds from PostgreSQL.
  const coldSamples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const cold = await buildApp({ ...deps, engine: createMemoryEngine() });
    const start = performance.now();
    const res = await cold.app.inject({ method: 'GET', url: `/api/performances/${perf.id}/availability` });
    coldSamples.push(performance.now() - start);
    if (res.statusCode !== 200) throw new Error(res.body);
    await cold.app.close();
  }
  const coldAvailability = coldSamples.sort((a, b) => a - b)[2]!;
  const warmAvailability = await median(20, () =>
    built.app.inject({ method: 'GET', url: `/api/performances/${perf.id}/availability` }),
  );
  const search = await median(20, () =>
    built.app.inject({ method: 'GET', url: '/api/events?q=bench%20tour' }),
  );

  const ratio = tmomi.result / raw.result.total;
  console.log('');
  console.log(
    `tmomi path (API → jobs → COPY chunks):   ${seconds(tmomi.result)}  (${Math.round(total / (tmomi.result / 1000)).toLocaleString()} tickets/s)`,
  );
  console.log(
    `raw COPY + primary key:                  ${seconds(raw.result.total)}  (COPY ${seconds(raw.result.copied)}, index ${seconds(raw.result.total - raw.result.copied)})`,
  );
  console.log(`ratio tmomi / raw:                       ${ratio.toFixed(2)}×  (goal ≤ 1.5×)`);
  console.log(`app RSS during tmomi path:               ${mb(tmomi.before)} → peak ${mb(tmomi.peak)}`);
  console.log(
    `cold availability (rebuild, 50k seats):  ${coldAvailability.toFixed(1)} ms median of 5  (goal < 100 ms)`,
  );
  console.log(`warm availability (engine):              ${warmAvailability.toFixed(2)} ms median of 20`);
  console.log(
    `search "bench tour":                     ${search.toFixed(2)} ms median of 20  (goal < 50 ms)`,
  );

  await built.app.close();
  await engine.close();
  await db.end();
} finally {
  if (!values.keep) await scratch.drop();
}
