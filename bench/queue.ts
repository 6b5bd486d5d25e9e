/**
 * bench/queue — the waiting room under load, against a bare Node HTTP server measured in the same run
 * with the same load tool (autocannon), on the Redis engine.
 *
 *   npm run bench:queue                      # joins/s ratio, and 2,000 SSE waiters
 *   npm run bench:queue -- --waiters 0       # the joins only
 *   npm run bench:queue -- --waiters 18000   # as many HTTP/1.1 streams as the file limit allows here
 *   npm run bench:queue -- --waiters 50000 --http2   # the 50,000-waiter goal, 1,000 streams per connection
 *   npm run bench:queue -- --cpu-prof /tmp/p # also a CPU profile of the Tmomi node (.cpuprofile files)
 *   npm run bench:queue -- --waiters 0 --challenge-difficulty 10   # also joins through the door (bench/challenge.ts)
 *   npm run bench:queue -- --waiters 0 --record off   # without the waiting room's record (decision 038):
 *                                            # alternate runs with and without it to see what it costs
 *
 * Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and REDIS_URL (default
 * redis://127.0.0.1:6379); creates a database of its own and drops it, and uses its own Redis prefix.
 * The servers run as separate processes; this process is only the load generator.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { createPool } from '../src/platform/db.js';
import { followStream, followStreamH2, type StreamEvent } from '../src/loadtest/sse.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { reportDoor, serviceCost, solvedPool } from './challenge.js';
import { BENCH_ADMIN, scrapeMetrics, sleep, startBenchServers } from './common.js';
import { cpuLine, cpuSince, measurer } from './join-load.js';

const { values } = parseArgs({
  options: {
    waiters: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'cpu-prof': { type: 'string' },
    http2: { type: 'boolean', default: false },
    'challenge-difficulty': { type: 'string', default: '0' },
    record: { type: 'string', default: 'on' },
  },
});
const WAITERS = Number(values.waiters);
/** The streams one HTTP/2 connection carries in the bench (the server allows 1,000). */
const STREAMS_PER_SESSION = 1_000;
const SECONDS = Number(values.seconds);
/** Streams stay open this long at most; the bench ends well before. */
const STREAM_LIFETIME_MS = 15 * 60_000;
const CONNECTIONS = Number(values.connections);
const USERS = Math.max(WAITERS, 20_000);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomUUID() + randomUUID();

/**
 * WAITERS users hold SSE streams open on the one node; someone near the head leaves, and we time until
 * every stream behind has been told its new position.
 */
async function measureWaiters(
  base: string,
  pid: number | undefined,
  performanceId: string,
  tokens: string[],
  redis: Redis,
): Promise<void> {
  // Make sure every waiter has joined (the load above joined most of them already; joins are idempotent).
  for (let i = 0; i < WAITERS; i += 200) {
    await Promise.all(
      tokens.slice(i, Math.min(i + 200, WAITERS)).map((token) =>
        fetch(`${base}/api/performances/${performanceId}/queue`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        }),
      ),
    );
  }
  const rssBefore = await rssOf(base);
  const latest = new Map<number, number>();
  // Once the head has left (at `tick`): when each stream behind it heard of its new position.
  let tick = 0;
  let before = new Map<number, number>();
  const toldAfter: number[] = [];
  const opening = Date.now();
  const path = `/api/performances/${performanceId}/queue/events`;
  // Over HTTP/1.1 a stream is a socket; over HTTP/2 up to STREAMS_PER_SESSION share one connection.
  const sessions: http2.ClientHttp2Session[] = [];
  const follow = (token: string, i: number) => {
    let opened!: () => void;
    const first = new Promise<void>((resolve) => (opened = resolve));
    const onEvent = (event: StreamEvent) => {
      if (event.event === 'position') {
        const position = (event.data as { position: number }).position;
        if (tick > 0 && position === before.get(i)! - 1) toldAfter.push(Date.now() - tick);
        latest.set(i, position);
      }
      opened();
      return false;
    };
    const headers = { cookie: `tmomi_session=${token}` };
    const stream = values.http2
      ? followStreamH2(sessionFor(i), path, headers, undefined, STREAM_LIFETIME_MS, onEvent)
      : followStream(`${base}${path}`, headers, undefined, STREAM_LIFETIME_MS, onEvent);
    void stream.then((result) => {
      if (result.status !== 200) throw new Error(`stream answered ${result.status} (${result.end})`);
    });
    return first;
  };
  const sessionFor = (i: number) => (sessions[Math.floor(i / STREAMS_PER_SESSION)] ??= http2.connect(base));
  for (let i = 0; i < WAITERS; i += 500) {
    await Promise.all(tokens.slice(i, Math.min(i + 500, WAITERS)).map((token, j) => follow(token, i + j)));
  }
  const openedIn = Date.now() - opening;
  await sleep(2_000); // past the one-push-a-second window of every stream
  const rssAfter = await rssOf(base);
  before = new Map(latest);
  // Someone near the head leaves: every waiter behind moves up by one and must be told.
  const head = [...before.entries()].sort((a, b) => a[1] - b[1])[0]!;
  const behind = [...before.values()].filter((position) => position > head[1]).length;
  const spent = await cpuSince(pid, redis);
  tick = Date.now();
  await fetch(`${base}/api/performances/${performanceId}/queue`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${tokens[head[0]]}` },
  });
  const deadline = tick + 30_000;
  while (Date.now() < deadline && toldAfter.length < behind) await sleep(10);
  const fanOutCpu = await spent();
  const at = (q: number) =>
    toldAfter[Math.min(toldAfter.length - 1, Math.floor(q * toldAfter.length))] ?? NaN;
  console.log(
    `SSE waiters:     ${latest.size.toLocaleString()} open over ${values.http2 ? `${sessions.length} HTTP/2 connections` : 'HTTP/1.1, one socket each'} (in ${(openedIn / 1000).toFixed(1)} s); ${toldAfter.length.toLocaleString()}/${behind.toLocaleString()} told their new position in ${at(1)} ms (first ${at(0)}, half ${at(0.5)} ms)  (goal < 2,000 ms)`,
  );
  console.log(
    `  CPU ms meanwhile: server ${Math.round(fanOutCpu.server)}, clients ${Math.round(fanOutCpu.load)}, Redis ${Math.round(fanOutCpu.redis)}`,
  );
  console.log(
    `server memory:   ${((rssAfter - rssBefore) / Math.max(1, latest.size) / 1024).toFixed(1)} KiB per stream (RSS ${Math.round(rssBefore / 2 ** 20)} → ${Math.round(rssAfter / 2 ** 20)} MiB)`,
  );
}

const rssOf = async (base: string) =>
  Number(/^process_resident_memory_bytes (\d+)/m.exec(await scrapeMetrics(base))?.[1]);

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_q_${Date.now().toString(36)}`);
const databaseUrl = scratch.url;
// PostgreSQL's backends' CPU per join (the waiting room's record writes there, decision 038).
const stats = new pg.Client({ connectionString: databaseUrl });
await stats.connect();
const measure = measurer({ connections: CONNECTIONS, seconds: SECONDS, postgres: stats });
const processes: ChildProcess[] = [];
try {
  const profileDir = values['cpu-prof'];
  const servers = await startBenchServers({
    databaseUrl,
    redisUrl,
    secret,
    processes,
    // Challenges fetched and solved before the load must outlive it (bench/challenge.ts).
    env: { TMOMI_CHALLENGE_TTL_SECONDS: '900', TMOMI_QUEUE_RECORD: values.record },
    ...(profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
  });
  const base = servers.tmomi;
  const api = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, string>;
  };
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  const adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  const venue = await api('/api/admin/venues', adminToken, {
    name: 'Bench Hall',
    sections: [{ name: 'A', grade: 'R', rows: 10, seatsPerRow: 10 }],
  });
  const event = await api('/api/admin/events', adminToken, {
    title: 'Bench',
    category: 'bench',
    venueId: venue.id,
    prices: [{ grade: 'R', amount: 1 }],
  });
  // One admission and then the ceiling: the room fills up and stays full, so joins are pure joins.
  const performance = (challengeDifficulty: number) =>
    api(`/api/admin/events/${event.id}/performances`, adminToken, {
      startsAt: new Date(Date.now() + 7200_000).toISOString(),
      salesOpenAt: new Date(Date.now() - 60_000).toISOString(),
      salesCloseAt: new Date(Date.now() + 3600_000).toISOString(),
      queue: { admitPerSecond: 1, maxActive: 1, challengeDifficulty },
    });
  const perf = await performance(0);
  // Accounts inserted in one statement, with tokens signed here: the node checks each token's session
  // against its user (read once per user, then known), as it would for buyers who logged in elsewhere.
  const db = createPool(databaseUrl, { max: 2 });
  const tokens = (await bulkBuyers(db, USERS, secret)).map((b) =>
    b.headers.authorization.slice('Bearer '.length),
  );
  await db.end();

  console.log(
    `bench/queue: ${CONNECTIONS} connections × ${SECONDS} s per target, ${WAITERS.toLocaleString()} SSE waiters`,
  );
  const redis = new Redis(redisUrl);
  const bareRun = await measure(`${servers.bare}/`, processes[0]?.pid, undefined, redis);
  const joinRun = await measure(
    `${base}/api/performances/${perf.id}/queue`,
    processes[1]?.pid,
    tokens,
    redis,
  );
  const [bare, joins] = [bareRun.result, joinRun.result];
  const ratio = joins.requests.average / bare.requests.average;
  console.log(
    `bare node http:  ${Math.round(bare.requests.average).toLocaleString()} req/s  p50 ${bare.latency.p50} ms  p99 ${bare.latency.p99} ms  ` +
      cpuLine(bareRun.cpu),
  );
  console.log(
    `tmomi join:      ${Math.round(joins.requests.average).toLocaleString()} req/s  p50 ${joins.latency.p50} ms  p99 ${joins.latency.p99} ms  ` +
      `${cpuLine(joinRun.cpu)}  non-2xx ${joins.non2xx}  errors ${joins.errors}`,
  );
  console.log(`ratio join / bare: ${ratio.toFixed(2)}×  (goal ≥ 0.5×)`);
  const metrics = await scrapeMetrics(base);
  const joinCalls = Number(/^tmomi_queue_join_batch_size_count (\d+)/m.exec(metrics)?.[1]);
  const batched = Number(/^tmomi_queue_join_batch_size_sum (\d+)/m.exec(metrics)?.[1]);
  if (joinCalls > 0)
    console.log(`joins per engine call: ${(batched / joinCalls).toFixed(1)} (${joinCalls} calls)`);
  const difficulty = Number(values['challenge-difficulty']);
  if (difficulty > 0) {
    const door = (await performance(difficulty)).id!;
    // As many joins as the run without the door made: the same work, with and without it.
    const pool = await solvedPool(base, door, joins.requests.total);
    const bodies = pool.map((challenge) => JSON.stringify({ challenge }));
    const doorRun = await measure(
      `${base}/api/performances/${door}/queue`,
      processes[1]?.pid,
      tokens,
      redis,
      bodies,
    );
    reportDoor(difficulty, joinRun, doorRun, await serviceCost(difficulty));
  }

  if (WAITERS > 0) await measureWaiters(base, processes[1]?.pid, perf.id!, tokens, redis);
  redis.disconnect();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  // The profile is written when the node exits by itself, so it is stopped gracefully first.
  const tmomiNode = processes[1];
  if (values['cpu-prof'] && tmomiNode) {
    const exited = new Promise((resolve) => tmomiNode.once('exit', resolve));
    tmomiNode.kill('SIGTERM');
    await Promise.race([exited, sleep(20_000)]);
  }
  for (const proc of processes) proc.kill('SIGKILL');
  await stats.end();
  await sleep(500);
  await scratch.drop();
  // Open streams and keep-alive sockets would keep the load generator alive.
  process.exit();
}
