import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { AppSettings } from '../src/app.js';
import { freePort } from '../src/platform/net.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU seconds one process has used so far, from /proc: user + system, or the kernel's alone (sockets,
 * epoll); undefined once it is gone, or off Linux. On a shared machine the cost per request is much
 * steadier than requests per second, so it tells whether a change helped.
 */
export function cpuSecondsOf(pid: number, only?: 'system'): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((only ? 0 : Number(fields[11])) + Number(fields[12])) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** Redis's CPU time so far (ms), from INFO: on a shared server other clients' work shows too. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** CPU time (ms) used so far by each PostgreSQL backend of a database, by pid. */
export type BackendsCpu = Map<number, number>;

/**
 * The CPU time used so far by each backend connected to this client's database (from /proc: the
 * server must run on this machine); the querying connection's own left out unless `own` (a pool
 * whose connections do the measured work).
 */
export async function postgresBackendsCpu(
  db: pg.ClientBase | pg.Pool,
  opts: { own?: boolean } = {},
): Promise<BackendsCpu> {
  const { rows } = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()${opts.own ? '' : ' AND pid <> pg_backend_pid()'}`,
  );
  return new Map(rows.map(({ pid }) => [pid, (cpuSecondsOf(pid) ?? 0) * 1000]));
}

/**
 * The CPU (ms) the backends used between two readings. One opened meanwhile counts from zero; one
 * that ended meanwhile is left out (what it used after the first reading is gone with it), rather
 * than a sum of both readings, where it would take everything it had ever used away.
 */
export function postgresCpuBetween(before: BackendsCpu, after: BackendsCpu): number {
  let ms = 0;
  for (const [pid, used] of after) ms += used - (before.get(pid) ?? 0);
  return ms;
}

/** Starts a process with its file limit raised to the hard limit and waits for `ready`. */
export async function startProcess(
  command: string,
  env: NodeJS.ProcessEnv,
  ready: string,
): Promise<ChildProcess> {
  const proc = spawn('bash', ['-c', `ulimit -n $(ulimit -Hn); exec ${command}`], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (
      await fetch(ready).then(
        (r) => r.ok,
        () => false,
      )
    )
      return proc;
    await sleep(200);
  }
  proc.kill('SIGKILL');
  throw new Error(`${command} did not become ready`);
}

/** The admin every benchmark's Tmomi node is started with (TMOMI_ADMIN_EMAIL / _PASSWORD). */
export const BENCH_ADMIN = { email: 'bench@example.com', password: 'bench-password' };

/** The nodes serve /metrics on their own port behind TMOMI_METRICS_TOKEN; a scrape sends this. */
const BENCH_METRICS_TOKEN = randomUUID();
export const scrapeMetrics = async (node: string): Promise<string> =>
  (await fetch(`${node}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();

/**
 * The two servers a benchmark compares: the bare Node server (the baseline) and one Tmomi node in the
 * scaled mode on `databaseUrl` and `redisUrl` with its own Redis prefix, each a separate process
 * pushed onto `processes` (for the caller to kill). `env` adds to or overrides the node's settings.
 */
export async function startBenchServers(opts: {
  databaseUrl: string;
  redisUrl: string;
  secret: string;
  processes: ChildProcess[];
  env?: NodeJS.ProcessEnv;
  /** Flags for the node's `node` (e.g. `--cpu-prof`, which NODE_OPTIONS does not allow). */
  nodeFlags?: string[];
  /** Tmomi nodes sharing the database and the engine (one unless said); each its own process. */
  nodes?: number;
}): Promise<{ bare: string; tmomi: string; nodes: string[] }> {
  const barePort = await freePort();
  const bare = `http://127.0.0.1:${barePort}`;
  opts.processes.push(
    await startProcess('node --import tsx bench/bare-server.ts', { PORT: String(barePort) }, `${bare}/`),
  );
  const prefix = `bench-${randomUUID().slice(0, 8)}:`;
  const nodes: string[] = [];
  for (let i = 0; i < (opts.nodes ?? 1); i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    opts.processes.push(
      await startProcess(
        ['node', ...(opts.nodeFlags ?? []), '--import tsx src/cli.ts start'].join(' '),
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: opts.databaseUrl,
          REDIS_URL: opts.redisUrl,
          TMOMI_REDIS_PREFIX: prefix,
          TMOMI_SECRET: opts.secret,
          TMOMI_ADMIN_EMAIL: BENCH_ADMIN.email,
          TMOMI_ADMIN_PASSWORD: BENCH_ADMIN.password,
          TMOMI_METRICS_TOKEN: BENCH_METRICS_TOKEN,
          // The door's proof of work is measured apart (bench:queue --challenge-difficulty).
          TMOMI_CHALLENGE_DIFFICULTY: '0',
          LOG_LEVEL: 'error',
          ...opts.env,
        },
        `${url}/readyz`,
      ),
    );
    nodes.push(url);
  }
  return { bare, tmomi: nodes[0]!, nodes };
}

/**
 * What a bench that builds the app in its own process (bench/generate, bench/mail, bench/export) runs
 * it with: limits out of the way, no payment latency, metrics and docs off the public port.
 */
export const BENCH_APP = {
  secret: 'bench-secret-that-is-long-enough-for-hmac',
  settings: {
    authRateLimitPerMinute: 1000,
    trustProxy: false as const,
    accessTokenTtlSeconds: 3600,
    bodyLimitBytes: 1 << 20,
    corsOrigins: [],
    paymentLatencyMs: 0,
    paymentTimeoutMs: 10_000,
    metrics: { token: undefined, port: undefined, host: '127.0.0.1' },
    docs: false,
  } satisfies AppSettings,
};
