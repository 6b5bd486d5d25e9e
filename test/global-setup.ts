import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.js';
import { migrate } from '../src/platform/db.js';
import { modesReport } from './modes-report.js';
import { deleteKeysUnder } from './redis-keys.js';
import { testRedisCluster } from './redis-cluster-mode.js';
import { createScratchDatabase, onDatabase } from './scratch-database.js';
import { pgbouncerLeftOut, startPgbouncer } from './pgbouncer.js';
import type { WorkerDatabases } from './worker-databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One set per worker that may run at once; a file takes its worker's (VITEST_POOL_ID) set. */
    databases: WorkerDatabases[];
    /** Empty when REDIS_URL is not set. */
    redisUrl: string;
    /** A Redis Cluster's redis+cluster:// URL (the cluster mode); empty when there is none. */
    redisClusterUrl: string;
    runId: string;
  }
}

/**
 * How many test files may run at once: the most workers any project runs (vitest.config.ts), worked out
 * as vitest does when a project does not say.
 */
function mostWorkers(project: TestProject): number {
  const workers = (p: TestProject) =>
    p.config.maxWorkers || p.vitest.config.maxWorkers || Math.max(availableParallelism() - 1, 1);
  return Math.max(1, ...project.vitest.projects.map(workers));
}

/**
 * Once per `npm test`: a fresh embedded PostgreSQL (always), and — when DATABASE_URL is set — fresh
 * databases on that server, so runs never see each other's rows. Of each, one database per worker, so
 * that files running side by side never see each other's either (test/worker-databases.ts says why).
 * All migrated with the real migrations.
 */
export default async function setup(project: TestProject) {
  // Said before the first test and again after the summary (teardown runs after it), so that a run
  // that left the real PostgreSQL and Redis out cannot pass for a full one.
  console.log(modesReport(process.env, 'start'));
  const logger = pino({ level: 'warn' });
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const workers = mostWorkers(project);
  // What was started, stopped last first: by the teardown, or here when the setup fails (vitest runs no
  // teardown then, and the servers would outlive the run).
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  const databases: WorkerDatabases[] = [];
  let clusterUrl: string;
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'tmomi-test-'));
    started.push(() => rm(dataDir, { recursive: true, force: true }));
    const embedded = await startEmbeddedPostgres(dataDir, logger);
    started.push(() => embedded.stop());
    for (let worker = 1; worker <= workers; worker++) {
      // The first is the server's own database; the others go with the server.
      const url =
        worker === 1 ? embedded.url : (await createScratchDatabase(embedded.url, `tmomi_${worker}`)).url;
      await migrate(url, logger);
      databases.push({ embedded: url, scaled: '', pgbouncer: '' });
    }

    const cluster = await testRedisCluster(process.env);
    if (cluster) started.push(() => cluster.release(`test:${runId}:`));
    clusterUrl = cluster?.url ?? '';
    // Every test app's engine prefix starts with `test:<runId>:` (harness.ts): this run's keys, no one else's.
    const redisUrl = process.env.REDIS_URL;
    if (redisUrl) started.push(() => deleteKeysUnder(redisUrl, `test:${runId}:`));

    if (process.env.DATABASE_URL) {
      for (const [i, set] of databases.entries()) {
        const scratch = await createScratchDatabase(process.env.DATABASE_URL, `tmomi_test_${runId}_${i + 1}`);
        started.push(scratch.drop);
        await migrate(scratch.url, logger);
        set.scaled = scratch.url;
      }
    }
    // The suites that opt in (modes({ pgbouncer: true })) run a third time through a PgBouncer in
    // transaction mode with a few server sessions, shared by every app's pool: any session state left
    // on a connection would surface in another test's transaction (decision 036). One PgBouncer for all
    // workers: it serves any database of the server it is in front of, each with sessions of its own.
    if (!pgbouncerLeftOut(process.env)) {
      const target = (set: WorkerDatabases) => set.scaled || set.embedded;
      const pgbouncer = await startPgbouncer(target(databases[0]!), { poolSize: 5 });
      started.push(() => pgbouncer.stop());
      for (const set of databases)
        set.pgbouncer = onDatabase(pgbouncer.url, new URL(target(set)).pathname.slice(1));
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  project.provide('databases', databases);
  project.provide('runId', runId);
  project.provide('redisUrl', process.env.REDIS_URL ?? '');
  project.provide('redisClusterUrl', clusterUrl);

  return async () => {
    console.log(modesReport(process.env, 'end'));
    await stopAll();
  };
}
