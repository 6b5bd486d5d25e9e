import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../src/platform/net.js';
import { hasRedisServer } from './nodes.js';

/** Whether a Redis Cluster can be made here: Debian's redis-server and its redis-cli. */
export const hasRedisCluster = hasRedisServer && spawnSync('redis-cli', ['--version']).status === 0;

export interface TestRedisCluster {
  /** redis+cluster://127.0.0.1:p1,… naming every node, as REDIS_URL. */
  url: string;
  /** Each redis-server's port and process. */
  servers: { port: number; proc: ChildProcess }[];
  /** The port of the primary that holds `key`'s slot now (CLUSTER KEYSLOT, CLUSTER NODES). */
  primaryOf(key: string): Promise<number>;
  /** Kills one server with SIGKILL, as a host dies; the others notice after the node timeout. */
  kill(port: number): void;
  /** Starts a killed server again with its cluster config: it rejoins as a replica of its successor. */
  restart(port: number): void;
  /** Resolves once every live node says cluster_state:ok and every slot's primary answers. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every server and removes their folders. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Redis Cluster of the test's own: 3 primaries and 3 replicas (`primaries` × 2 servers) on free local
 * ports, each in a temporary folder, nothing saved to disk, made with `redis-cli --cluster create`
 * as an operator would, and answering by the time this resolves (cluster_state:ok everywhere, every
 * replica in sync). `nodeTimeoutMs` is how long a silent primary takes to be failed over.
 */
export async function startRedisCluster(
  opts: { primaries?: number; nodeTimeoutMs?: number } = {},
): Promise<TestRedisCluster> {
  const count = (opts.primaries ?? 3) * 2;
  const dir = await mkdtemp(join(tmpdir(), 'tmomi-redis-cluster-'));
  const servers: { port: number; proc: ChildProcess }[] = [];
  const argsOf = new Map<number, string[]>();
  const stop = async () => {
    for (const { proc } of servers) proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      // The cluster bus gets a free port of its own: the default, port + 10,000, may be taken or past 65,535.
      const [port, busPort] = [await freePort(), await freePort()];
      const args = [
        ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
        ...['--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2_000), '--dir', dir],
        // A replica's first sync at once, rather than after the 5 s a primary waits for more replicas.
        ...['--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'],
      ];
      argsOf.set(port, args);
      servers.push({ port, proc: spawn('redis-server', args, { stdio: 'ignore' }) });
    }
    for (const { port } of servers) await untilAnswers(port);
    await promisify(execFile)('redis-cli', [
      ...['--cluster', 'create', ...servers.map(({ port }) => `127.0.0.1:${port}`)],
      ...['--cluster-replicas', '1', '--cluster-yes'],
    ]);
    const cluster: TestRedisCluster = {
      url: `redis+cluster://${servers.map(({ port }) => `127.0.0.1:${port}`).join(',')}`,
      servers,
      primaryOf: async (key) => {
        const live = servers.find(({ proc }) => proc.exitCode === null && proc.signalCode === null)!;
        return withServer(live.port, async (redis) => {
          const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
          const nodes = String(await redis.call('CLUSTER', 'NODES'));
          const owner = nodes.split('\n').find((line) => {
            const fields = line.split(' ');
            if (!/\bmaster\b/.test(fields[2] ?? '') || /\bfail\b/.test(fields[2] ?? '')) return false;
            return fields.slice(8).some((range) => {
              const [from, to = from] = range.split('-').map(Number);
              return slot >= from! && slot <= to!;
            });
          });
          if (!owner) throw new Error(`no primary holds slot ${slot}:\n${nodes}`);
          return Number(/:(\d+)@/.exec(owner.split(' ')[1]!)![1]);
        });
      },
      kill: (port) => servers.find((s) => s.port === port)!.proc.kill('SIGKILL'),
      restart: (port) => {
        servers.find((s) => s.port === port)!.proc = spawn('redis-server', argsOf.get(port)!, {
          stdio: 'ignore',
        });
      },
      waitHealthy: async (timeoutMs = 30_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const live = servers.filter(({ proc }) => proc.exitCode === null && proc.signalCode === null);
          const healthy = await Promise.all(live.map(({ port }) => nodeHealthy(port)));
          if (healthy.every(Boolean)) return;
          if (Date.now() > deadline) throw new Error('the Redis Cluster did not become healthy');
          await sleep(100);
        }
      },
      stop,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A node is healthy when it says cluster_state:ok and, as a replica, is in sync with its primary. */
async function nodeHealthy(port: number): Promise<boolean> {
  return withServer(port, async (redis) => {
    const info = String(await redis.call('CLUSTER', 'INFO'));
    if (!/^cluster_state:ok\s*$/m.test(info)) return false;
    const replication = await redis.info('replication');
    return /^role:master\s*$/m.test(replication) || /^master_link_status:up\s*$/m.test(replication);
  }).catch(() => false);
}

async function untilAnswers(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await withServer(port, (redis) => redis.ping()).catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not start`);
}

async function withServer<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined); // refused while starting: the caller tries again
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}
