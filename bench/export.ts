/**
 * bench/export — the attendees CSV of a 100,000-ticket performance, streamed by a node while curl (its
 * own process) downloads it, fast and then slowly; prints how much the node's memory grew, and checks
 * the file opens as a spreadsheet app would read it: the BOM, the header, one row per ticket, Hangul.
 *
 *   npm run bench:export                  # 100,000 tickets
 *   npm run bench:export -- --seats 20000 # a smaller run
 *
 * Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) to create a fresh database
 * of its own, dropped at the end. The node runs in this process (memory engine), so its resident
 * memory is this process's; the rows are made directly in SQL (as src/loadtest/buyers.ts does).
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, migrate } from '../src/platform/db.js';
import { createMemoryEngine } from '../src/engine/index.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { BENCH_APP } from './common.js';

const { values } = parseArgs({ options: { seats: { type: 'string', default: '100000' } } });
const SEATS = Number(values.seats);
const SEATS_PER_ROW = 500;
const ROWS = SEATS / SEATS_PER_ROW / 10;
if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error('--seats must be a multiple of 5,000');
const PER_ORDER = 4;
const HEADER = 'order_id,buyer_name,buyer_email,section,row,seat,grade,price,currency,status,checked_in_at';
const LIMIT_MIB = 50;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const logger = pino({ level: 'warn' });
const run = promisify(execFile);
const mib = (bytes: number) => bytes / 1024 / 1024;

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_${Date.now().toString(36)}`);
const file = join(tmpdir(), `tmomi-export-${process.pid}.csv`);
let failed = false;
let stop = async () => {};
try {
  await migrate(scratch.url, logger);
  const db = createPool(scratch.url);
  const built = await buildApp({
    db,
    engine: createMemoryEngine(),
    clock: systemClock,
    logger,
    secret: BENCH_APP.secret,
    settings: BENCH_APP.settings,
  });
  const { catalog, auth, app } = built;
  stop = async () => {
    await app.close();
    await db.end();
  };
  await auth.ensureAdmin({ email: 'bench@example.com', password: 'bench-password' });
  const { accessToken } = await auth.login({ email: 'bench@example.com', password: 'bench-password' });

  /** A performance of `seats` seats, every one sold to a buyer with a Hangul name, in orders of four. */
  const soldOut = async (seats: number, rows: number) => {
    const venue = await catalog.venues.createVenue({
      name: '고척 스카이돔',
      sections: Array.from({ length: 10 }, (_, i) => ({
        name: `${String.fromCharCode(65 + i)}`,
        grade: i < 2 ? 'VIP' : 'R',
        rows,
        seatsPerRow: seats / 10 / rows,
      })),
    });
    const event = await catalog.events.createEvent({
      title: '벤치 콘서트',
      category: 'concert',
      venueId: venue.id,
      prices: [
        { grade: 'VIP', amount: 165_000 },
        { grade: 'R', amount: 99_000 },
      ],
    });
    const now = Date.now();
    const { id, jobId } = await catalog.performances.createPerformance(event.id, {
      startsAt: new Date(now + 2 * 86_400_000).toISOString(),
      salesOpenAt: new Date(now - 3_600_000).toISOString(),
      salesCloseAt: new Date(now + 86_400_000).toISOString(),
      holdTtlSeconds: 300,
      maxTicketsPerUser: PER_ORDER,
      queue: {
        enabled: false,
        mode: 'fifo',
        prequeueMinutes: 30,
        admitPerSecond: 50,
        maxActive: 500,
        passTtlSeconds: 600,
      },
    });
    for (;;) {
      const job = await catalog.performances.job(jobId);
      if (job.state === 'failed') throw new Error(`job ${jobId} failed`);
      if (job.state === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Set-based, as a sale would have left them: buyers, holds, paid orders, payments, sold tickets, codes.
    await db.query(
      `WITH buyers AS (
         INSERT INTO users (email, name, password_hash)
         SELECT 'export-' || $1::text || '-' || g || '@example.com', '김민지 ' || g, '!'
         FROM generate_series(0, $2::int / $3 - 1) AS g RETURNING id, (regexp_match(email, '-(\\d+)@'))[1]::int AS k),
       seats AS (
         SELECT b.id AS user_id, b.k, array_agg(s ORDER BY s) AS seat_nos,
                array_agg(CASE WHEN s < $2 / 5 THEN 165000 ELSE 99000 END ORDER BY s) AS prices
         FROM buyers b, generate_series(b.k * $3, b.k * $3 + $3 - 1) AS s GROUP BY b.id, b.k),
       holds AS (
         INSERT INTO holds (id, user_id, performance_id, seat_nos, seat_prices, amount, currency, expires_at, state)
         SELECT gen_random_uuid(), user_id, $1::bigint, seat_nos, prices,
                (SELECT sum(x) FROM unnest(prices) x), 'KRW', now(), 'ordered' FROM seats
         RETURNING id, user_id, seat_nos, seat_prices, amount)
       INSERT INTO orders (user_id, performance_id, hold_id, idempotency_key, seat_nos, seat_prices, amount, currency, status)
       SELECT user_id, $1::bigint, id, 'bench-' || id, seat_nos, seat_prices, amount, 'KRW', 'paid' FROM holds`,
      [id, seats, PER_ORDER],
    );
    await db.query(
      `INSERT INTO payments (order_id, provider, provider_ref, status, amount)
       SELECT id, 'simulator', 'bench-' || id, 'succeeded', amount FROM orders WHERE performance_id = $1`,
      [id],
    );
    // Fresh statistics, or the planner takes 25,000 new orders for one and loops over every ticket.
    await db.query('ANALYZE users, holds, orders, tickets');
    await db.query(
      `UPDATE tickets t SET status = 2, order_id = x.order_id
       FROM (SELECT o.id AS order_id, unnest(o.seat_nos) AS seat_no FROM orders o WHERE o.performance_id = $1) AS x
       WHERE t.performance_id = $1 AND t.seat_no = x.seat_no`,
      [id],
    );
    await db.query(
      `INSERT INTO issued_tickets (order_id, performance_id, seat_no, code, price, checked_in_at)
       SELECT o.id, $1::bigint, s.seat_no, 'Tbench' || $1::text || '.' || s.seat_no, s.price,
              CASE WHEN s.seat_no % 3 = 0 THEN now() END
       FROM orders o, unnest(o.seat_nos, o.seat_prices) AS s (seat_no, price) WHERE o.performance_id = $1`,
      [id],
    );
    await db.query('ANALYZE');
    return id;
  };

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const url = (performanceId: string) => `${address}/api/admin/performances/${performanceId}/attendees.csv`;
  /** curl, in its own process: the node's memory is all this process has. */
  const download = async (performanceId: string) => {
    const start = performance.now();
    await run('curl', ['-sf', '-o', file, '-H', `authorization: Bearer ${accessToken}`, url(performanceId)]);
    return performance.now() - start;
  };
  /**
   * A client in its own process that takes a chunk (at most 64 KiB) every 50 ms, about 1.3 MB/s: the
   * sockets fill, Fastify's writes wait, and the COPY must pause rather than pile up rows in the node.
   */
  const SLOW_READER = `
    const [url, token, file] = process.argv.slice(1);
    const out = require('node:fs').createWriteStream(file);
    require('node:http').get(url, { headers: { authorization: 'Bearer ' + token } }, (res) => {
      if (res.statusCode !== 200) process.exit(1);
      res.on('data', (chunk) => { out.write(chunk); res.pause(); setTimeout(() => res.resume(), 50); });
      res.on('end', () => out.end());
    });`;
  const slowDownload = async (performanceId: string) => {
    const start = performance.now();
    await run('node', ['-e', SLOW_READER, url(performanceId), accessToken, file]);
    return performance.now() - start;
  };

  /** Peak resident memory over the baseline while `fn` runs, sampled every 10 ms. */
  const growth = async (fn: () => Promise<number>) => {
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 10);
    try {
      const ms = await fn();
      return {
        ms,
        rss: mib(peakRss - before.rss),
        heap: mib(peakHeap - before.heapUsed),
        // Buffers the node holds outside the heap: the file's bytes, were it kept whole.
        buffers: mib(peakBuffers - before.arrayBuffers),
        from: `RSS ${mib(before.rss).toFixed(0)} → ${mib(peakRss).toFixed(0)} MiB`,
      };
    } finally {
      clearInterval(timer);
    }
  };

  const setupStart = performance.now();
  const small = await soldOut(5_000, 1);
  const big = await soldOut(SEATS, ROWS);
  console.log(
    `bench/export: ${SEATS.toLocaleString()} tickets made in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
  );
  await download(small); // warm: code loaded and compiled, the pool's connections open

  for (const [label, fetchIt] of [
    ['curl, full speed', download],
    ['slow reader (a chunk / 50 ms)', slowDownload],
  ] as const) {
    const { ms, rss, heap, buffers, from } = await growth(() => fetchIt(big));
    const size = (await stat(file)).size;
    // Read back as a spreadsheet app would: BOM, header, rows, a Hangul name.
    let lines = 0;
    let first = '';
    let hangul = false;
    for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }) })) {
      if (lines === 0) first = line;
      else if (!hangul && /,김민지 \d+,/.test(line)) hangul = true;
      lines++;
    }
    const checks = {
      bom: first.startsWith('\uFEFF'),
      header: first.slice(1) === HEADER,
      rows: lines - 1 === SEATS,
      hangul,
      memory: rss < LIMIT_MIB,
    };
    const ok = Object.values(checks).every(Boolean);
    failed ||= !ok;
    console.log(
      `${label}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${(lines - 1).toLocaleString()} rows in ${(ms / 1000).toFixed(1)} s; ` +
        `node memory growth: RSS ${rss.toFixed(1)} MiB, heap ${heap.toFixed(1)} MiB, buffers ${buffers.toFixed(1)} MiB (limit ${LIMIT_MIB} MiB; ${from}); ` +
        `checks ${ok ? 'passed' : 'FAILED'} ${JSON.stringify(checks)}`,
    );
  }
} finally {
  await stop();
  await rm(file, { force: true });
  await scratch.drop();
}
if (failed) process.exitCode = 1;
