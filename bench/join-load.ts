/** bench/queue's joins: autocannon against one URL, with the CPU each process spent per request. */
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { cpuSecondsOf, postgresBackendsCpu, postgresCpuBetween, redisCpuMs } from './common.js';

function load(
  opts: { connections: number; seconds: number },
  url: string,
  tokens: string[] | undefined,
  bodies?: string[],
): Promise<autocannon.Result> {
  let next = 0;
  const json = { 'content-type': 'application/json' };
  return autocannon({
    url,
    method: 'POST',
    connections: opts.connections,
    // With single-use bodies, as many requests as there are bodies (so none is sent twice), however long.
    ...(bodies ? { amount: bodies.length } : { duration: opts.seconds }),
    requests: [
      {
        setupRequest: (req) => {
          if (!tokens) return req;
          const i = next++;
          const headers = { ...req.headers, authorization: `Bearer ${tokens[i % tokens.length]!}` };
          // A solved challenge per join (each is single-use): the pool is larger than the run needs.
          if (bodies) return { ...req, headers: { ...headers, ...json }, body: bodies[i % bodies.length] };
          return { ...req, headers };
        },
      },
    ],
  });
}

/**
 * Starts counting the CPU (ms) that the server's process, this load generator, Redis and (given a
 * client of the bench's database) PostgreSQL's backends spend; the returned function tells how much
 * each has spent since.
 */
export async function cpuSince(pid: number | undefined, redis: Redis, postgres?: pg.Client) {
  const serverMs = () => (pid === undefined ? NaN : (cpuSecondsOf(pid) ?? NaN) * 1000);
  const backends = () => (postgres ? postgresBackendsCpu(postgres) : undefined);
  const before = {
    server: serverMs(),
    load: process.cpuUsage(),
    redis: await redisCpuMs(redis),
    postgres: await backends(),
  };
  return async () => {
    const load = process.cpuUsage(before.load);
    return {
      server: serverMs() - before.server,
      load: (load.user + load.system) / 1000,
      redis: (await redisCpuMs(redis)) - before.redis,
      postgres: before.postgres ? postgresCpuBetween(before.postgres, (await backends())!) : NaN,
    };
  };
}

/** CPU per request (µs) of each process a measurement counts. */
export interface CpuPerRequest {
  server: number;
  load: number;
  redis: number;
  /** NaN where the measurement was given no client of the database. */
  postgres: number;
}

/**
 * Runs the load against one server and measures, per request, the CPU that server's process, this
 * load generator, Redis and PostgreSQL (given a client of the bench's database) spent meanwhile (µs).
 */
export function measurer(opts: { connections: number; seconds: number; postgres?: pg.Client }) {
  return async function measure(
    url: string,
    pid: number | undefined,
    tokens: string[] | undefined,
    redis: Redis,
    bodies?: string[],
  ) {
    const spent = await cpuSince(pid, redis, opts.postgres);
    const result = await load(opts, url, tokens, bodies);
    const perRequest = 1000 / Math.max(1, result.requests.total);
    const ms = await spent();
    const cpu: CpuPerRequest = {
      server: ms.server * perRequest,
      load: ms.load * perRequest,
      redis: ms.redis * perRequest,
      postgres: ms.postgres * perRequest,
    };
    return { result, cpu };
  };
}

export const cpuLine = (cpu: CpuPerRequest) =>
  `CPU µs/req: server ${Math.round(cpu.server)}, load generator ${Math.round(cpu.load)}, Redis ${Math.round(cpu.redis)}` +
  (Number.isNaN(cpu.postgres) ? '' : `, PostgreSQL ${Math.round(cpu.postgres)}`);
