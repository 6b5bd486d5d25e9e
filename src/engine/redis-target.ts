import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * The engine's connection: one Redis server (`redis://`, `rediss://`), or a Redis Cluster
 * (`redis+cluster://`, `rediss+cluster://`). Both speak the same commands, scripts and pub/sub to the
 * adapters; ioredis's `Cluster` routes each command to the shard of its keys' slot.
 */
export type RedisConnection = Redis | Cluster;

/** What REDIS_URL names: a server's URL as ioredis takes it, or a cluster's seed nodes and credentials. */
export type RedisTarget =
  | { cluster: false; url: string }
  | {
      cluster: true;
      nodes: { host: string; port: number }[];
      tls: boolean;
      username: string | undefined;
      password: string | undefined;
    };

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/;

/**
 * Reads REDIS_URL. A cluster is named by some of its nodes, comma-separated, in one URL:
 * `redis+cluster://[user:password@]host:port[,host:port…]` (any node will do: the client asks it for
 * the others, and follows the cluster as it fails over or reshards). One variable, so that a
 * deployment switches between one server and a cluster without a second setting to keep in step.
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (!url.includes('+cluster://')) return { cluster: false, url };
  const match = CLUSTER_URL.exec(url);
  if (!match)
    throw new Error(`${redactUrl(url)} is not redis+cluster://[user:password@]host:port[,host:port…]`);
  const [, scheme, credentials, hosts] = match;
  const nodes = hosts!.split(',').map((hostPort) => {
    const at = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(hostPort.trim());
    const port = Number(at?.[2]);
    if (!at || port < 1 || port > 65535) {
      throw new Error(`${redactUrl(url)}: "${hostPort}" is not host:port`);
    }
    return { host: at[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  const [user, password] = credentials === undefined ? [] : splitCredentials(credentials);
  return { cluster: true, nodes, tls: scheme === 'rediss', username: user || undefined, password };
}

function splitCredentials(credentials: string): [string, string | undefined] {
  const colon = credentials.indexOf(':');
  if (colon < 0) return [decodeURIComponent(credentials), undefined];
  return [decodeURIComponent(credentials.slice(0, colon)), decodeURIComponent(credentials.slice(colon + 1))];
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/:]*):[^@/]*@/, '//$1:***@');
}

/**
 * A client for `target` (not yet connected: `lazyConnect`). `options` are one server's; for a cluster
 * they apply to the connection to each node, and `cluster` adds the cluster's own.
 */
export function openRedis(
  target: RedisTarget,
  options: RedisOptions & { lazyConnect: true },
  cluster: ClusterOptions = {},
): RedisConnection {
  if (!target.cluster) return new Redis(target.url, options);
  const { keyPrefix, enableAutoPipelining, lazyConnect, ...perNode } = options;
  return new Cluster(target.nodes, {
    ...cluster,
    lazyConnect,
    keyPrefix,
    enableAutoPipelining,
    redisOptions: {
      ...perNode,
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

/**
 * Stops the boot when REDIS_URL says one thing and the server is another. A plain URL pointing at a
 * cluster's node would seem to work, then fail every command whose key that node does not hold
 * (MOVED); a cluster URL pointing at a plain server cannot start at all, and ioredis would only say
 * that it failed to refresh the slots. `INFO cluster` answers `cluster_enabled:1` on a cluster's node.
 */
export async function checkClusterMode(target: RedisTarget, info: () => Promise<string>): Promise<void> {
  const enabled = /^cluster_enabled:1\s*$/m.test(await info());
  if (enabled && !target.cluster) {
    throw new Error(
      `REDIS_URL ${redactUrl(target.url)} is a node of a Redis Cluster (cluster_enabled:1): ` +
        'name the cluster as redis+cluster://host:port[,host:port…] so that each key goes to the shard that holds it',
    );
  }
  if (!enabled && target.cluster) {
    const { host, port } = target.nodes[0]!;
    throw new Error(
      `REDIS_URL names a Redis Cluster (redis+cluster://) but ${host}:${port} is a plain Redis ` +
        '(cluster_enabled:0): use redis://host:port for one server, or start it with --cluster-enabled yes',
    );
  }
}
