/**
 * bench/reads — the herd at the door (issue 17): every public read of a performance on sale, on one
 * scaled node, side by side with a bare Node server answering a constant body, in the same run with
 * the same load tool; then the same reads through the shipped HAProxy config (deploy/haproxy.cfg,
 * cache on).
 *
 *   npm run bench:reads                       # 100 connections, 3 rounds of 5 s per read
 *   npm run bench:reads -- --seconds 8 --rounds 5 --connections 50
 *   npm run bench:reads -- --only availability --no-balancer --cpu-prof /tmp/p
 *
 * Each read is measured in rounds, the bare server just before it in each, and its ratio is the
 * median of the rounds' ratios: this machine's speed moves by half within a minute, so a bare server
 * measured once at the start and compared with a read a minute later says more about the machine
 * than about the node (docs/benchmarks.md's 304s measured so moved between 0.54× and 0.99×).
 *
 * The load tool is wrk (a C program: it leaves the node its share of the CPU); without it, autocannon.
 * Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and redis-server on the PATH:
 * the bench starts a Redis of its own, so Redis's CPU per request is the node's alone, and creates a
 * database of its own, whose backends' CPU (from /proc) is PostgreSQL's cost per request.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { renderHaproxyConfig } from '../src/ops/haproxy-config.js';
import { freePort } from '../src/platform/net.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import {
  BENCH_ADMIN,
  cpuSecondsOf,
  postgresBackendsCpu,
  postgresCpuBetween,
  redisCpuMs,
  sleep,
  startBenchServers,
  type BackendsCpu,
} from './common.js';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    seconds: { type: 'string', default: '5' },
    /** Alternations of the bare server and each read; the ratio shown is their median. */
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '100' },
    balancer: { type: 'boolean', default: true },
    /** Only the reads whose name contains this (e.g. `--only availability`). */
    only: { type: 'string', default: '' },
    /** Also a CPU profile of the node (.cpuprofile files in this folder). */
    'cpu-prof': { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Math.max(1, Number(values.rounds));
const CONNECTIONS = Number(values.connections);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /**
   * CPU ms per 1,000 requests: the server answering (the bare server in its row, else the node: through
   * HAProxy's cache the node's share falls), HAProxy, PostgreSQL (the bench database's backends), Redis.
   */
  serverCpu: number;
  haproxyCpu: number;
  pgCpu: number;
  redisCpu: number;
  /** PostgreSQL transactions per 1,000 requests (pg_stat_database). */
  pgXacts: number;
}

const processes: ChildProcess[] = [];
const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_reads_${Date.now().toString(36)}`);
const redisPort = await freePort();
const redisProc = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
processes.push(redisProc);
const redis = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
redis.on('error', () => undefined); // refused until the server is up: the loop below retries
for (
  let i = 0;
  i < 50 &&
  (await redis.connect().then(
    () => false,
    () => true,
  ));
  i++
)
  await sleep(100);
const stats = new pg.Client({ connectionString: scratch.url });
await stats.connect();
let haproxyDir: string | undefined;

try {
  const { bare, tmomi } = await startBenchServers({
    databaseUrl: scratch.url,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    secret: randomUUID() + randomUUID(),
    processes,
    nodeFlags: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [],
  });
  // Both are started through `bash -c '… exec node …'`: the pid is the server's.
  const [barePid, nodePid] = [processes[1]!.pid!, processes.at(-1)!.pid!];
  const ids = await setUp(tmomi);
  const availability = await fetch(`${tmomi}/api/performances/${ids.performance}/availability`);
  const version = availability.headers.get('etag')!;

  const reads: { name: string; path: string; headers?: Record<string, string>; status: number }[] = [
    { name: 'event', path: `/api/events/${ids.event}`, status: 200 },
    { name: 'performance', path: `/api/performances/${ids.performance}`, status: 200 },
    { name: 'availability', path: `/api/performances/${ids.performance}/availability`, status: 200 },
    {
      name: 'availability 304',
      path: `/api/performances/${ids.performance}/availability`,
      headers: { 'if-none-match': version },
      status: 304,
    },
    { name: 'seat layout', path: `/api/venues/${ids.venue}/seats`, status: 200 },
    { name: 'search', path: '/api/events?q=tour', status: 200 },
    { name: 'unknown performance', path: '/api/performances/987654321', status: 404 },
  ];

  console.log(
    `\nbench/reads: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per read, each after the bare server, ${hasWrk ? 'wrk -t1' : 'autocannon'}; a 5,000-seat performance on sale\n`,
  );
  reads.splice(0, reads.length, ...reads.filter((r) => r.name.includes(values.only)));
  const baseline = () => measure(`${bare}/`, {}, 200, { server: barePid });
  print(
    'straight to the node',
    await compare(reads, baseline, (read) =>
      measure(`${tmomi}${read.path}`, read.headers ?? {}, read.status, { server: nodePid }),
    ),
  );

  if (values.balancer && spawnSync('haproxy', ['-v']).error === undefined) {
    const balancer = await startHaproxy(tmomi);
    const haproxyPid = processes.at(-1)!.pid!;
    print(
      'through HAProxy (deploy/haproxy.cfg, its cache on)',
      await compare(reads, baseline, (read) =>
        // A miss is forwarded without If-None-Match so that its 200 refills the cache
        // (deploy/haproxy.cfg): that one client gets the body instead of a 304.
        measure(`${balancer}${read.path}`, read.headers ?? {}, read.status, {
          server: nodePid,
          haproxy: haproxyPid,
          alsoRight: read.status === 304 ? 200 : undefined,
        }),
      ),
    );
  }
} finally {
  await stats.end();
  redis.disconnect();
  for (const p of processes.reverse()) p.kill('SIGTERM');
  await sleep(500);
  await scratch.drop();
  if (haproxyDir) await rm(haproxyDir, { recursive: true, force: true });
}

/**
 * Each read in `ROUNDS` rounds, the bare server measured just before it in each: the table's rows,
 * the bare server's first (its median run). A read's row is its median round, whose ratio is the
 * median of the rounds' ratios; the range of the ratios follows it, and the wrong answers of all.
 */
async function compare<R extends { name: string }>(
  reads: R[],
  baseline: () => Promise<Measured>,
  measureRead: (read: R) => Promise<Measured>,
): Promise<string[]> {
  const bares: Measured[] = [];
  const rows: string[] = [];
  for (const read of reads) {
    const rounds: (Measured & { ratio: number })[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const base = await baseline();
      const m = await measureRead(read);
      bares.push(base);
      rounds.push({ ...m, ratio: m.rps / base.rps });
    }
    rounds.sort((a, b) => a.ratio - b.ratio);
    const shown = middle(rounds);
    const range = ROUNDS > 1 ? ` (${rounds[0]!.ratio.toFixed(2)}–${rounds.at(-1)!.ratio.toFixed(2)})` : '';
    rows.push(row(`\`GET ${read.name}\``, withAllErrors(shown, rounds), `${shown.ratio.toFixed(2)}${range}`));
  }
  bares.sort((a, b) => a.rps - b.rps);
  return [row('bare Node server', withAllErrors(middle(bares), bares), '1.00'), ...rows];
}

/** The middle one of sorted items (the lower of the two middle ones for an even count). */
function middle<T>(sorted: T[]): T {
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** A run shown for several, with the wrong answers of all of them: one in any run shows. */
function withAllErrors(shown: Measured, runs: Measured[]): Measured {
  return { ...shown, errors: runs.reduce((sum, r) => sum + r.errors, 0) };
}

function print(title: string, rows: string[]) {
  console.log(`\n${title}\n`);
  console.log(
    '| read | r/s | × bare (range) | p50 / p99 ms | server CPU ms/1k | HAProxy CPU ms/1k | PostgreSQL CPU ms/1k | PostgreSQL xacts/1k | Redis CPU ms/1k |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
}

function row(name: string, m: Measured, timesBare: string): string {
  const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
  return `| ${name} | ${Math.round(m.rps).toLocaleString('en')}${m.errors ? ` (${m.errors} wrong)` : ''} | ${timesBare} | ${m.p50} / ${m.p99} | ${f(m.serverCpu)} | ${f(m.haproxyCpu)} | ${f(m.pgCpu, 2)} | ${f(m.pgXacts, 2)} | ${f(m.redisCpu, 2)} |`;
}

/** The admin's venue (5,000 seats), event and performance on sale, tickets generated. */
async function setUp(node: string) {
  const login = await fetch(`${node}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const post = async (path: string, body: object) => {
    const res = await fetch(`${node}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; jobId?: string };
  };
  const venue = await post('/api/admin/venues', {
    name: 'Bench Arena',
    address: 'Seoul',
    sections: [
      { name: 'A', grade: 'R', rows: 25, seatsPerRow: 100 },
      { name: 'B', grade: 'S', rows: 25, seatsPerRow: 100 },
    ],
  });
  const event = await post('/api/admin/events', {
    title: 'Bench World Tour',
    artist: 'Bench',
    category: 'concert',
    venueId: venue.id,
    prices: [
      { grade: 'R', amount: 132_000 },
      { grade: 'S', amount: 99_000 },
    ],
  });
  const now = Date.now();
  const perf = await post(`/api/admin/events/${event.id}/performances`, {
    startsAt: new Date(now + 48 * 3600_000).toISOString(),
    salesOpenAt: new Date(now - 3600_000).toISOString(),
    salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
  });
  for (let i = 0; i < 300; i++) {
    const job = (await (
      await fetch(`${node}/api/admin/jobs/${perf.jobId}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json()) as { state: string };
    if (job.state === 'done') break;
    await sleep(100);
  }
  return { venue: venue.id, event: event.id, performance: perf.id };
}

/** The bench database's backends' CPU (ms) and transactions so far. */
async function postgresSoFar(): Promise<{ cpu: BackendsCpu; xacts: number }> {
  const cpu = await postgresBackendsCpu(stats);
  // Counters are flushed by each backend when it goes idle (at most a second late): the caller waits.
  await stats.query('SELECT pg_stat_clear_snapshot()');
  const db = await stats.query<{ n: string }>(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return { cpu, xacts: Number(db.rows[0]!.n) };
}

async function measure(
  url: string,
  headers: Record<string, string>,
  status: number,
  pids: { server: number; haproxy?: number; alsoRight?: number },
): Promise<Measured> {
  const cpuMs = (pid: number | undefined) => (pid === undefined ? NaN : cpuSecondsOf(pid)! * 1000);
  const sample = async () => ({
    server: cpuMs(pids.server),
    haproxy: cpuMs(pids.haproxy),
    pg: await postgresSoFar(),
    redis: await redisCpuMs(redis),
  });
  // A short warm-up, so caches, JIT and keep-alive connections are where a sale finds them.
  const right = [status, pids.alsoRight ?? status];
  await load(url, headers, 1, right);
  await sleep(1_100);
  const before = await sample();
  const result = await load(url, headers, SECONDS, right);
  await sleep(1_100);
  const after = await sample();
  const per1k = (n: number) => (n * 1000) / result.requests;
  return {
    rps: result.requests / result.seconds,
    p50: result.p50,
    p99: result.p99,
    errors: result.wrong,
    serverCpu: per1k(after.server - before.server),
    haproxyCpu: per1k(after.haproxy - before.haproxy),
    pgCpu: per1k(postgresCpuBetween(before.pg.cpu, after.pg.cpu)),
    pgXacts: per1k(after.pg.xacts - before.pg.xacts),
    redisCpu: per1k(after.redis - before.redis),
  };
}

interface LoadResult {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  /** Answers with another status than the one expected. */
  wrong: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  /** The statuses that count as right. */
  right: number[],
): Promise<LoadResult> {
  if (!hasWrk) {
    const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
    return {
      requests: r.requests.total,
      seconds,
      p50: r.latency.p50,
      p99: r.latency.p99,
      wrong: right.includes(200) ? r.non2xx + r.errors : r.errors,
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-reads-'));
  // Counts the answers whose status is not a right one (wrk counts only non-2xx/3xx).
  const script = join(dir, 'count.lua');
  await writeFile(
    script,
    `wrong = 0
     response = function(status) if status ~= ${right[0]} and status ~= ${right[1]} then wrong = wrong + 1 end end
     done = function() io.write(string.format("WRONG %d\\n", wrong)) end\n`,
  );
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const out = spawnSync('wrk', [...args, url], { encoding: 'utf8' }).stdout;
  await rm(dir, { recursive: true, force: true });
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    if (!m) return NaN;
    const factor = { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'];
    return Math.round(Number(m[1]) * factor * 10) / 10;
  };
  const requests = Number(/(\d+) requests in ([\d.]+)(ms|s)/.exec(out)?.[1]);
  if (!(requests > 0)) throw new Error(`wrk ${args.join(' ')} ${url} answered no requests:\n${out}`);
  const took = /requests in ([\d.]+)(ms|s)/.exec(out);
  return {
    requests,
    seconds: took ? Number(took[1]) / (took[2] === 'ms' ? 1000 : 1) : seconds,
    p50: ms('50'),
    p99: ms('99'),
    wrong: Number(/WRONG (\d+)/.exec(out)?.[1] ?? NaN),
  };
}

/** HAProxy with the shipped config in front of the one node; answers its address. */
async function startHaproxy(node: string): Promise<string> {
  haproxyDir = await mkdtemp(join(tmpdir(), 'bench-reads-haproxy-'));
  const port = await freePort();
  const config = renderHaproxyConfig(await readFile('deploy/haproxy.cfg', 'utf8'), {
    listen: `127.0.0.1:${port}`,
    stats: `127.0.0.1:${await freePort()}`,
    nodes: [{ name: 'tmomi-1', address: new URL(node).host }],
  });
  const file = join(haproxyDir, 'haproxy.cfg');
  await writeFile(file, config);
  const proc = spawn('bash', ['-c', `ulimit -n $(ulimit -Hn); exec haproxy -db -f ${file}`], {
    stdio: 'ignore',
  });
  processes.push(proc);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    await sleep(100);
  }
  throw new Error('haproxy did not start');
}
