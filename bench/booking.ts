/**
 * bench/booking — seat holds and purchases under load, against a bare Node HTTP server measured in the
 * same run with the same load tool (autocannon), on the real PostgreSQL and Redis.
 *
 *   npm run bench:booking                   # 10 s per phase, 100 connections
 *   npm run bench:booking -- --seconds 20 --connections 200
 *
 * Phases: (1) the bare server; (2) holds on distinct seats, one seat per request, each from its own
 * buyer; (3) full purchases — hold then checkout with an instant payment simulator — for one event;
 * (4) the hot seat: 10,000 requests for one seat at once. Needs DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) and REDIS_URL (default redis://127.0.0.1:6379); creates a
 * database of its own and drops it, and uses its own Redis prefix. Servers run as separate processes;
 * this process only generates load.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createPool } from '../src/platform/db.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { HttpClient } from '../src/loadtest/http.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { bookingViolations } from '../src/loadtest/invariants.js';
import { BENCH_ADMIN, sleep, startBenchServers } from './common.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
/** Enough distinct seats (and buyers) that no phase runs out: the venue is a 50,000-seat stadium. */
const SEATS = 50_000;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomUUID() + randomUUID();

/** What one autocannon connection carries from its hold request to its checkout request. */
type Purchase = { buyer?: number; holdId?: string };

const run = (opts: autocannon.Options) =>
  autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
const rate = (count: number, result: autocannon.Result) => count / (result.duration || SECONDS);
const line = (label: string, perSecond: number, r: autocannon.Result, extra = '') =>
  console.log(
    `${label.padEnd(28)} ${Math.round(perSecond).toLocaleString().padStart(7)} /s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${extra}`,
  );

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_b_${Date.now().toString(36)}`);
const db = createPool(scratch.url, { max: 4 });
const processes: ChildProcess[] = [];
try {
  const servers = await startBenchServers({
    databaseUrl: scratch.url,
    redisUrl,
    secret,
    processes,
    env: { TMOMI_PAYMENT_LATENCY_MS: '0' },
  });
  const base = servers.tmomi;
  const http = new HttpClient(256);
  const adminAuth = {
    authorization: `Bearer ${(await http.request(base, 'POST', '/api/auth/login', {}, BENCH_ADMIN)).body.accessToken}`,
  };
  const venue = (
    await http.request(base, 'POST', '/api/admin/venues', adminAuth, {
      name: 'Bench Stadium',
      sections: [{ name: 'Field', grade: 'R', rows: 250, seatsPerRow: 200 }],
    })
  ).body;
  const event = (
    await http.request(base, 'POST', '/api/admin/events', adminAuth, {
      title: 'Bench Night',
      category: 'bench',
      venueId: venue.id,
      prices: [{ grade: 'R', amount: 99_000 }],
    })
  ).body;
  /** A performance on sale now, without a queue (the waiting room has its own benchmark), tickets generated. */
  const onSale = async (): Promise<string> => {
    const now = Date.now();
    const perf = (
      await http.request(base, 'POST', `/api/admin/events/${event.id}/performances`, adminAuth, {
        startsAt: new Date(now + 7200_000).toISOString(),
        salesOpenAt: new Date(now - 60_000).toISOString(),
        salesCloseAt: new Date(now + 3600_000).toISOString(),
        maxTicketsPerUser: 4,
        queue: { enabled: false },
      })
    ).body;
    for (let i = 0; i < 600; i++) {
      if ((await http.request(base, 'GET', `/api/admin/jobs/${perf.jobId}`, adminAuth)).body.state === 'done')
        return perf.id;
      await sleep(100);
    }
    throw new Error('ticket generation did not finish');
  };
  const buyers = await bulkBuyers(db, SEATS, secret);
  console.log(
    `bench/booking: ${CONNECTIONS} connections × ${SECONDS} s per phase, ${SEATS.toLocaleString()}-seat venue`,
  );

  // 1. The baseline.
  const bare = await run({ url: `${servers.bare}/`, method: 'POST' });
  const bareRate = bare.requests.average;
  line('bare node http', bareRate, bare);

  // 2. Holds on distinct seats: request k holds seat k for buyer k.
  const holdsPerf = await onSale();
  let nextSeat = 0;
  let held = 0;
  const holds = await run({
    url: base,
    requests: [
      {
        method: 'POST',
        path: `/api/performances/${holdsPerf}/holds`,
        setupRequest: (req) => {
          const k = nextSeat++ % SEATS;
          return {
            ...req,
            headers: { ...req.headers, 'content-type': 'application/json', ...buyers[k]!.headers },
            body: JSON.stringify({ seatNos: [k] }),
          };
        },
        onResponse: (status) => {
          if (status === 201) held++;
        },
      },
    ],
  });
  const holdRate = rate(held, holds);
  line('holds, distinct seats', holdRate, holds, `  (${holds.non2xx} refused)`);

  // 3. Full purchases: each connection holds a seat, then pays for it, then goes again.
  const buyPerf = await onSale();
  let nextBuyer = 0;
  let bought = 0;
  const purchases = await run({
    url: base,
    requests: [
      {
        method: 'POST',
        path: `/api/performances/${buyPerf}/holds`,
        setupRequest: (req, context) => {
          const k = nextBuyer++ % SEATS;
          (context as Purchase).buyer = k;
          return {
            ...req,
            headers: { ...req.headers, 'content-type': 'application/json', ...buyers[k]!.headers },
            body: JSON.stringify({ seatNos: [k] }),
          };
        },
        onResponse: (status, body, context) => {
          (context as Purchase).holdId =
            status === 201 ? (JSON.parse(body) as { holdId: string }).holdId : undefined;
        },
      },
      {
        method: 'POST',
        setupRequest: (req, context) => ({
          ...req,
          // A refused hold still costs its checkout request: a 404 for a hold that does not exist.
          path: `/api/holds/${(context as Purchase).holdId ?? randomUUID()}/checkout`,
          headers: {
            ...req.headers,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
            ...buyers[(context as Purchase).buyer!]!.headers,
          },
          body: JSON.stringify({ payment: { card: '4242424242424242' } }),
        }),
        onResponse: (status) => {
          if (status === 201) bought++;
        },
      },
    ],
  });
  const purchaseRate = rate(bought, purchases);
  line('purchases (hold + checkout)', purchaseRate, purchases, '  (latency per request)');

  // 4. The hot seat: 10,000 buyers at once for one seat.
  const hotPerf = await onSale();
  const started = performance.now();
  const replies = await Promise.all(
    buyers
      .slice(0, 10_000)
      .map((b) =>
        http.request(base, 'POST', `/api/performances/${hotPerf}/holds`, b.headers, { seatNos: [0] }),
      ),
  );
  const hotMs = performance.now() - started;
  const winners = replies.filter((r) => r.status === 201).length;
  const losers = replies.filter((r) => r.status === 409 && r.body.error.code === 'SEAT_UNAVAILABLE').length;

  const problems = [
    ...(await bookingViolations(db, holdsPerf)),
    ...(await bookingViolations(db, buyPerf)),
    ...(await bookingViolations(db, hotPerf)),
  ];
  console.log(
    `hot seat: 10,000 requests for one seat in ${Math.round(hotMs).toLocaleString()} ms → ${winners} hold, ${losers.toLocaleString()} SEAT_UNAVAILABLE`,
  );
  console.log(`ratio holds / bare: ${(holdRate / bareRate).toFixed(2)}×  (goal ≥ 0.25×)`);
  console.log(
    `purchases: ${Math.round(purchaseRate).toLocaleString()}/s for one event  (goal ≥ 2,000/s; ratio to bare ${(purchaseRate / bareRate).toFixed(3)}×)`,
  );
  console.log(`invariants after the run: ${problems.length === 0 ? 'all hold' : problems.join('; ')}`);
  http.close();
  if (problems.length > 0 || winners !== 1) process.exitCode = 1;
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const proc of processes) proc.kill('SIGKILL');
  await db.end();
  await sleep(500);
  await scratch.drop();
  process.exit();
}
