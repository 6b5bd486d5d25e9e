import { readFileSync } from 'node:fs';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { checkClusterMode, type RedisConnection, type RedisTarget } from './redis-target.js';

// A dead or partitioned Redis must make calls fail within seconds (the request gets an error, /readyz
// says so), never hang. The deadlines are generous enough for the longest script (a run of a queue's
// draw, or the seal's read of a whole pre-queue).
export const CONNECTION_OPTIONS = {
  lazyConnect: true,
  // While reconnecting, a command waits for two attempts (about a second), then fails.
  maxRetriesPerRequest: 2,
  connectTimeout: 5_000,
  // A server that stops answering without closing the socket (a partition, a frozen host) fails the
  // caller after this long…
  commandTimeout: 5_000,
  // …and the silent socket is replaced, since TCP alone would take many minutes to notice it is dead.
  socketTimeout: 5_000,
  // A command cut off with its socket may already have run: resending it after the reconnect would run
  // it twice (an INCR counted twice). Its caller gets an error instead, as with a timeout.
  autoResendUnfulfilledCommands: false,
} satisfies RedisOptions;

/**
 * A Redis Cluster's own options (docs/decisions/037). Redirections (MOVED, ASK) and "try again" answers
 * (TRYAGAIN, CLUSTERDOWN while a replica is being promoted) are retried by ioredis: the command did not
 * run. A command whose connection closed under it may have run, so it is not sent again
 * (`retryDelayOnFailover: 0`, as `autoResendUnfulfilledCommands: false` for one server): its request
 * fails with 503 and the client retries it, as with one Redis going down.
 */
export const CLUSTER_OPTIONS = {
  retryDelayOnFailover: 0,
  retryDelayOnClusterDown: 200,
  retryDelayOnTryAgain: 100,
  // With 200 ms between tries, CLUSTERDOWN is retried for about 3 s, the time a replica takes to be
  // promoted with a cluster-node-timeout of a second or two; past it the request fails with 503.
  maxRedirections: 16,
  // The slot map is read again every few seconds besides after each MOVED, to find promoted replicas.
  slotsRefreshInterval: 2_000,
  slotsRefreshTimeout: 2_000,
} satisfies ClusterOptions;

/**
 * Connects or throws the reason. Connection errors are otherwise left to surface as rejected commands:
 * the listener only keeps an unhandled 'error' event from crashing the process.
 */
export async function connect(connection: RedisConnection): Promise<void> {
  let lastError: unknown;
  connection.on('error', (err: unknown) => (lastError = err));
  try {
    await connection.connect();
  } catch (err) {
    // ioredis would otherwise keep reconnecting forever in the background, holding the process open.
    connection.disconnect();
    // The socket's error (ECONNREFUSED host:port) says more than the rejection ("Connection is closed");
    // a cluster client's "Failed to refresh slots cache" carries the last node's.
    const reason = lastError ?? err;
    const { lastNodeError } = reason as { lastNodeError?: unknown };
    const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
    const said = lastNodeError ? `${why(reason)} (${why(lastNodeError)})` : why(reason);
    throw new Error(`cannot connect to Redis: ${said}`, {
      cause: err,
    });
  }
}

/**
 * Connects `connection` to `target` and makes sure the server is what the URL says (one server or a
 * cluster), or throws why not.
 */
export async function connectChecked(connection: RedisConnection, target: RedisTarget): Promise<void> {
  try {
    await connect(connection);
  } catch (err) {
    // A cluster client against a plain server fails to read the slot map; one server's INFO says why.
    const info = target.cluster ? await infoOfSeeds(target) : '';
    if (info) await checkClusterMode(target, async () => info);
    throw err;
  }
  try {
    await checkClusterMode(target, () => connection.info('cluster'));
    // Every primary's connection open before the first call (ioredis opens them on first use).
    if (connection instanceof Cluster)
      await Promise.all(connection.nodes('master').map((node) => node.ping()));
  } catch (err) {
    connection.disconnect();
    throw err;
  }
}

/** `INFO cluster` of the first seed node that answers; empty when none does. */
async function infoOfSeeds(target: RedisTarget & { cluster: true }): Promise<string> {
  for (const node of target.nodes) {
    const probe = new Redis({
      ...CONNECTION_OPTIONS,
      host: node.host,
      port: node.port,
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    const info = await probe
      .connect()
      .then(() => probe.info('cluster'))
      .catch(() => '');
    probe.disconnect();
    if (info) return info;
  }
  return '';
}

/** Quits politely, or drops the socket when the server does not answer. */
export async function quit(connection: RedisConnection): Promise<void> {
  await connection.quit().catch(() => connection.disconnect());
}

export interface Script {
  lua: string;
  numberOfKeys?: number;
}

/**
 * Reads scripts from the `.lua` files beside the module at `base` (its `import.meta.url`), once, when
 * that module loads: a missing file fails the boot, not the first call. Each script is its files
 * joined in order — the shared functions it uses (`*.lib.lua`) first, its own file last — so a shared
 * function is written once. `numberOfKeys`: how many KEYS each of the module's scripts takes; without
 * it, every call passes the count first. `npm run build:server` copies the files next to the compiled
 * code.
 *
 * Each multi-step change is one script, so it is atomic on the server; every key a script touches is
 * passed in KEYS (never built inside Lua), which is what Redis Cluster needs to route it.
 */
export function loadScripts<Name extends string>(
  base: string,
  scripts: Record<Name, readonly string[]>,
  numberOfKeys?: number,
): Record<Name, Script> {
  const loaded = {} as Record<Name, Script>;
  for (const [name, files] of Object.entries<readonly string[]>(scripts)) {
    const lua = files.map((file) => readFileSync(new URL(file, base), 'utf8')).join('\n');
    loaded[name as Name] = numberOfKeys === undefined ? { lua } : { lua, numberOfKeys };
  }
  return loaded;
}

/** Registers scripts as commands of `redis` under their names (EVALSHA, falling back to EVAL). */
export function defineScripts(redis: RedisConnection, scripts: Record<string, Script>): void {
  for (const [name, script] of Object.entries(scripts)) redis.defineCommand(name, script);
}
