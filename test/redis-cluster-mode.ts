import { hasRedisCluster, startRedisCluster } from './redis-cluster.js';
import { deleteKeysUnder } from './redis-keys.js';

type Env = { REDIS_URL?: string; TMOMI_TEST_REDIS_CLUSTER?: string };

/**
 * Whether a run has the cluster mode — the engine contract suites and the waiting-room and booking HTTP
 * suites against a Redis Cluster, beside the memory engine and one Redis — and why not. It comes with
 * the Redis suites: REDIS_URL set, and redis-server and redis-cli installed, as in CI, for a cluster of
 * the run's own. TMOMI_TEST_REDIS_CLUSTER=redis+cluster://… uses that cluster instead; `off` leaves it out.
 */
export function clusterMode(env: Env): { runs: boolean; why: string } {
  const setting = env.TMOMI_TEST_REDIS_CLUSTER;
  if (setting === 'off') return { runs: false, why: 'TMOMI_TEST_REDIS_CLUSTER is off' };
  if (setting?.includes('+cluster://')) return { runs: true, why: '' };
  if (!env.REDIS_URL) return { runs: false, why: 'REDIS_URL is not set' };
  if (!hasRedisCluster) return { runs: false, why: 'redis-server or redis-cli is not installed' };
  return { runs: true, why: '' };
}

/**
 * The run's Redis Cluster, when it has the cluster mode: started here (3 primaries + 3 replicas on local
 * ports, about 3 s) unless TMOMI_TEST_REDIS_CLUSTER names one. `release` deletes the run's keys from a
 * cluster that was given, or stops the one started.
 */
export async function testRedisCluster(
  env: Env,
): Promise<{ url: string; release(prefix: string): Promise<void> } | undefined> {
  if (!clusterMode(env).runs) return undefined;
  const given = env.TMOMI_TEST_REDIS_CLUSTER;
  if (given?.includes('+cluster://')) {
    return { url: given, release: (prefix) => deleteKeysUnder(given, prefix) };
  }
  const startedAt = Date.now();
  const cluster = await startRedisCluster();
  console.log(`[tmomi] Redis Cluster of 6 servers started in ${Date.now() - startedAt} ms: ${cluster.url}`);
  return { url: cluster.url, release: () => cluster.stop() };
}
