/**
 * Whether an error says a dependency cannot be reached (PostgreSQL or Redis down, restarting, failing
 * over or cut off), rather than that the request or the code is wrong. Such a request is answered 503
 * UNAVAILABLE with Retry-After, since the same request will work once the dependency is back; anything
 * else stays a 500. Recognised by the drivers' own codes and names, never by guessing from any message.
 */
export function isOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, name } = err as { code?: unknown; name?: string };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // SQLSTATE class 08 (connection exception), and a server shutting down or starting up.
    if (/^08[0-9A-Z]{3}$/.test(code) || SERVER_GONE.has(code)) return true;
  }
  // ioredis: retries used up while reconnecting, or a command that outlived its timeout.
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError') return true;
  if (REDIS_MESSAGES.some((m) => err.message.startsWith(m))) return true;
  // node-postgres reports a socket that died mid-query, or a pool that could not connect, in words only.
  if (PG_MESSAGES.some((m) => err.message.startsWith(m))) return true;
  return err.cause !== undefined && isOutage(err.cause);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** admin_shutdown, crash_shutdown, cannot_connect_now (starting up or in recovery). */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03']);
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];
/** Redis answers while it cannot serve: loading after a restart, a replica not yet promoted, a cluster
 * slot moving or down (MOVED or ASK reaching the caller: the client's slot map was behind, the command
 * did not run). And ioredis's own words for a socket that is closed or an answer that timed out, for a
 * cluster it cannot reach or whose redirections outlasted its tries, and for a batch of commands whose
 * shards changed under it during a failover (refused before anything was sent). */
const REDIS_MESSAGES = [
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MOVED ',
  'ASK ',
  'Connection is closed',
  'Command timed out',
  "Stream isn't writeable",
  'Too many Cluster redirections',
  "Cluster isn't ready",
  'Cluster is ended',
  'No subscriber for the cluster',
  'All keys in the pipeline should belong to the same slots allocation group',
];
