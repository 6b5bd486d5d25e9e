/**
 * bench/booking — seat holds and purchases under load, against a bare Node HTTP server measured in the
 * same run with the same load tool (autocannon), on the real PostgreSQL and Redis.
 *
 *   npm run bench:booking                   # 10 s per phase, 100 connections
 *   npm run bench:booking -- --seconds 20 --connections 200
 *   npm run bench:booking -- --only holds --profile /tmp/prof   # one phase; the node's CPU profile
 *   npm run bench:booking -- --nodes 2      # two nodes on one database and engine, the load split
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
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { createPool } from '../src/platform/db.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { MAX_VENUE_SEATS } from '../src/contract/layout.js';
import { HttpClient } from '../src/loadtest/http.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { bookingViolations } from '../src/loadtest/invariants.js';
import { BENCH_ADMIN, cpuSecondsOf, scrapeMetrics, sleep, startBenchServers } from './common.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    // Comma-separated phases to run (the bare baseline always runs): holds, purchases, hot.
    only: { type: 'string', default: 'holds,purchases,hot' },
    // A folder: the node runs with --cpu-prof and is stopped gracefully at the end, so it writes one.
    profile: { type: 'string' },
    // Tmomi nodes, each with its share of the connections (scale-out, against the one bare process).
    nodes: { type: 'string', default: '1' },
  },
});
const NODES = Number(values.nodes);
const PHASES = new Set(values.only.split(','));
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
/**
 * Distinct seats (and buyers, one per seat) for the phases: the largest venue the catalog accepts, in
 * sections of 50,000. With one section the holds phase ran out of seats at 5,000/s on a quiet machine, and
 * the bench measured its own venue; a phase that still runs out shows its refusals.
 */
const SEATS = MAX_VENUE_SEATS;
const SECTION = { grade: 'R', rows: 250, seatsPerRow: 200 };
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomUUID() + randomUUID();

/** What one autocannon connection carries from its hold request to its checkout request. */
type Purchase = { buyer?: number; holdId?: string };

/** What a phase reports of its load: over all nodes, the slowest node's latencies. */
type Load = Pick<autocannon.Result, 'duration' | 'non2xx'> & { latency: { p50: number; p99: number } };

const run = (opts: autocannon.Options) =>
  autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
/** The same load on every node at once, the connections shared out among them. */
const runOnNodes = async (nodes: string[], opts: Omit<autocannon.Options, 'url'>): Promise<Load> => {
  const results = await Promise.all(
    nodes.map((url) => run({ ...opts, url, connections: Math.ceil(CONNECTIONS / nodes.length) })),
  );
  const most = (f: (r: autocannon.Result) => number) => Math.max(...results.map(f));
  return {
    duration: most((r) => r.duration),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    latency: { p50: most((r) => r.latency.p50), p99: most((r) => r.latency.p99) },
  };
};
const rate = (count: number, result: Load) => count / (result.duration || SECONDS);

/** Redis's INFO server section (for the server's pid). */
const engineInfo = async (url: string): Promise<string> => {
  const redis = new Redis(url);
  try {
    return await redis.info('server');
  } finally {
    redis.disconnect();
  }
};

/** CPU seconds used so far by one process, 0 once it is gone (a backend that exited). */
const cpuOf = (pid: number, only?: 'system'): number => cpuSecondsOf(pid, only) ?? 0;
const line = (label: string, perSecond: number, r: Load, extra = '') =>
  console.log(
    `${label.padEnd(28)} ${Math.round(perSecond).toLocaleString().padStart(7)} /s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${extra}`,
  );

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_b_${Date.now().toString(36)}`);
const db = createPool(scratch.url, { max: 4 });
const dbName = new URL(scratch.url).pathname.slice(1);
const processes: ChildProcess[] = [];
try {
  const servers = await startBenchServers({
    databaseUrl: scratch.url,
    redisUrl,
    secret,
    processes,
    env: { TMOMI_PAYMENT_LATENCY_MS: '0' },
    nodeFlags: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
    nodes: NODES,
  });
  const base = servers.tmomi;
  const nodeProcesses = processes.slice(-NODES);
  const redisPid = Number(/process_id:(\d+)/.exec(await engineInfo(redisUrl))?.[1] ?? 0);

  /**
   * Where a phase's CPU went, in cores (2 = both cores busy for the whole phase): the Tmomi nodes, the
   * PostgreSQL backends serving its database, the rest of PostgreSQL (WAL writer, autovacuum, other databases),
   * Redis (shared: other users' commands count too), this load generator, and the machine in all.
   */
  const cpuMeter = async () => {
    // The nodes' own count of what they sent to PostgreSQL and to the engine's gate per call
    // (tmomi_booking_db_batch_size, tmomi_booking_engine_batch_size), summed over the nodes.
    const batches = async () => {
      const texts = await Promise.all(servers.nodes.map(scrapeMetrics));
      const value = (series: string) =>
        texts.reduce(
          (sum, text) => sum + Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1] ?? 0),
          0,
        );
      return (
        [
          ['db', 'place'],
          ['db', 'order'],
          ['db', 'settle'],
          ['engine', 'acquire'],
          ['engine', 'sell'],
        ] as const
      ).map(([to, call]) => ({
        call: to === 'engine' ? `gate ${call}` : call,
        sum: value(`tmomi_booking_${to}_batch_size_sum\\{call="${call}"\\}`),
        count: value(`tmomi_booking_${to}_batch_size_count\\{call="${call}"\\}`),
      }));
    };
    const batchesBefore = await batches();
    const pgPids = async () =>
      // Autovacuum on the bench's database counts as "other": it is not the requests' work.
      (
        await db.query<{ pid: number; mine: boolean }>(
          `SELECT pid, datname IS NOT DISTINCT FROM $1 AND backend_type = 'client backend' AS mine
           FROM pg_stat_activity`,
          [dbName],
        )
      ).rows;
    const machine = () =>
      readFileSync('/proc/stat', 'utf8')
        .split('\n')[0]!
        .split(/\s+/)
        .slice(1, 9)
        .map(Number)
        .reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0) / 100; // minus idle and iowait
    const sample = async () => {
      const pids = await pgPids();
      const sum = (mine: boolean) =>
        pids.filter((p) => p.mine === mine).reduce((s, p) => s + cpuOf(p.pid), 0);
      return {
        t: performance.now(),
        node: nodeProcesses.reduce((sum, p) => sum + cpuOf(p.pid!), 0),
        nodeSystem: nodeProcesses.reduce((sum, p) => sum + cpuOf(p.pid!, 'system'), 0),
        pg: sum(true),
        pgOther: sum(false),
        redis: cpuOf(redisPid),
        loadgen: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
        machine: machine(),
        pids: new Set(pids.filter((p) => p.mine).map((p) => p.pid)),
      };
    };
    const before = await sample();
    return async () => {
      const after = await sample();
      const perCall = (await batches())
        .map((b, i) => ({
          ...b,
          sum: b.sum - batchesBefore[i]!.sum,
          count: b.count - batchesBefore[i]!.count,
        }))
        .filter((b) => b.count > 0)
        .map((b) => `${b.call} ${(b.sum / b.count).toFixed(1)} per call (${b.count.toLocaleString()} calls)`);
      // Backends that were opened during the phase count from zero; those that closed are lost (rare).
      const opened = [...after.pids].filter((pid) => !before.pids.has(pid)).length;
      const seconds = (after.t - before.t) / 1000;
      const cores = (k: Exclude<keyof typeof after, 'pids' | 't'>) =>
        ((after[k] - before[k]) / seconds).toFixed(2);
      return `cpu (cores): node${NODES > 1 ? `s (${NODES})` : ''} ${cores('node')} (kernel ${cores('nodeSystem')}) · pg ${cores('pg')} (+${cores('pgOther')} other) · redis ${cores('redis')} · load generator ${cores('loadgen')} · machine ${cores('machine')} of 2${opened ? ` (${opened} backends opened)` : ''}\n  batches: ${perCall.join(' · ') || 'none'}`;
    };
  };
  const http = new HttpClient(256);
  const adminAuth = {
    authorization: `Bearer ${(await http.request(base, 'POST', '/api/auth/login', {}, BENCH_ADMIN)).body.accessToken}`,
  };
  const venue = (
    await http.request(base, 'POST', '/api/admin/venues', adminAuth, {
      name: 'Bench Stadium',
      sections: Array.from({ length: SEATS / (SECTION.rows * SECTION.seatsPerRow) }, (_, i) => ({
        name: `Field ${i + 1}`,
        ...SECTION,
      })),
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
    let job;
    for (let i = 0; i < 600; i++) {
      job = (await http.request(base, 'GET', `/api/admin/jobs/${perf.jobId}`, adminAuth)).body;
      if (job.state === 'done') return perf.id;
      await sleep(100);
    }
    throw new Error(`ticket generation did not finish: ${JSON.stringify(job)}`);
  };
  const buyers = await bulkBuyers(db, SEATS, secret);
  console.log(
    `bench/booking: ${CONNECTIONS} connections × ${SECONDS} s per phase, ${SEATS.toLocaleString()}-seat venue` +
      (NODES > 1 ? `, ${NODES} Tmomi nodes sharing them` : ''),
  );

  // 1. The baseline.
  const bare = await run({ url: `${servers.bare}/`, method: 'POST' });
  const bareRate = bare.requests.average;
  line('bare node http', bareRate, bare);

  const perfs: string[] = [];
  let holdRate = 0;
  let purchaseRate = 0;

  // 2. Holds on distinct seats: request k holds seat k for buyer k.
  if (PHASES.has('holds')) {
    const holdsPerf = await onSale();
    perfs.push(holdsPerf);
    let nextSeat = 0;
    let held = 0;
    const meter = await cpuMeter();
    const holds = await runOnNodes(servers.nodes, {
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
    const cpu = await meter();
    holdRate = rate(held, holds);
    line('holds, distinct seats', holdRate, holds, `  (${holds.non2xx} refused)`);
    console.log(`  ${cpu}`);
  }

  // 3. Full purchases: each connection holds a seat, then pays for it, then goes again.
  if (PHASES.has('purchases')) {
    const buyPerf = await onSale();
    perfs.push(buyPerf);
    let nextBuyer = 0;
    let bought = 0;
    const meter = await cpuMeter();
    const purchases = await runOnNodes(servers.nodes, {
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
    const cpu = await meter();
    purchaseRate = rate(bought, purchases);
    line('purchases (hold + checkout)', purchaseRate, purchases, '  (latency per request)');
    console.log(`  ${cpu}`);
  }

  // 4. The hot seat: 10,000 buyers at once for one seat.
  let winners = 1;
  if (PHASES.has('hot')) {
    const hotPerf = await onSale();
    perfs.push(hotPerf);
    const started = performance.now();
    const replies = await Promise.all(
      buyers.slice(0, 10_000).map((b, i) =>
        http.request(servers.nodes[i % NODES]!, 'POST', `/api/performances/${hotPerf}/holds`, b.headers, {
          seatNos: [0],
        }),
      ),
    );
    const hotMs = performance.now() - started;
    winners = replies.filter((r) => r.status === 201).length;
    const losers = replies.filter((r) => r.status === 409 && r.body.error.code === 'SEAT_UNAVAILABLE').length;
    console.log(
      `hot seat: 10,000 requests for one seat in ${Math.round(hotMs).toLocaleString()} ms → ${winners} hold, ${losers.toLocaleString()} SEAT_UNAVAILABLE`,
    );
  }

  const problems = [];
  for (const perf of perfs) problems.push(...(await bookingViolations(db, perf)));
  console.log(`ratio holds / bare: ${(holdRate / bareRate).toFixed(2)}×  (goal ≥ 0.25×)`);
  console.log(
    `purchases: ${Math.round(purchaseRate).toLocaleString()}/s for one event  (goal ≥ 2,000/s; ratio to bare ${(purchaseRate / bareRate).toFixed(3)}×)`,
  );
  console.log(`invariants after the run: ${problems.length === 0 ? 'all hold' : problems.join('; ')}`);
  http.close();
  if (problems.length > 0 || winners !== 1) process.exitCode = 1;
  if (values.profile) {
    // A graceful stop, so that each node writes its profile.
    const exited = nodeProcesses.map((p) => new Promise((r) => p.once('exit', r)));
    for (const p of nodeProcesses) p.kill('SIGTERM');
    await Promise.all(exited);
    console.log(`the node's CPU profile is in ${values.profile}`);
  }
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
