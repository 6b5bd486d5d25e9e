import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.js';
import { migrate } from '../src/platform/db.js';
import { modesReport } from './modes-report.js';
import { deleteKeysUnder } from './redis-keys.js';
import { testRedisCluster } from './redis-cluster-mode.js';
import { createScratchDatabase } from './scratch-database.js';
import { pgbouncerLeftOut, startPgbouncer } from './pgbouncer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedDatabaseUrl: string;
    /** Empty when DATABASE_URL is not set. */
    scaledDatabaseUrl: string;
    /** Empty when REDIS_URL is not set. */
    redisUrl: string;
    /** A Redis Cluster's redis+cluster:// URL (the cluster mode); empty when there is none. */
    redisClusterUrl: string;
    /** The scaled database (else the embedded one) through PgBouncer in transaction mode; empty without pgbouncer. */
    pgbouncerDatabaseUrl: string;
    runId: string;
  }
}

/**
 * Once per `npm test`: a fresh embedded PostgreSQL (always), and — when DATABASE_URL is set — a fresh
 * database on that server, so runs never see each other's rows. Both migrated with the real migrations.
 */
export default async function setup(project: TestProject) {
  // Said before the first test and again after the summary (teardown runs after it), so that a run
  // that left the real PostgreSQL and Redis out cannot pass for a full one.
  console.log(modesReport(process.env, 'start'));
  const logger = pino({ level: 'warn' });
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'tmomi-test-'));
  const embedded = await startEmbeddedPostgres(dataDir, logger);
  try {
    await migrate(embedded.url, logger);
  } catch (err) {
    // Vitest runs no teardown when the setup fails: the server would outlive the run.
    await embedded.stop();
    throw err;
  }
  project.provide('embeddedDatabaseUrl', embedded.url);
  project.provide('runId', runId);
  project.provide('redisUrl', process.env.REDIS_URL ?? '');

  const cluster = await testRedisCluster(process.env).catch(async (err: unknown) => {
    await embedded.stop();
    throw err;
  });
  project.provide('redisClusterUrl', cluster?.url ?? '');

  let dropScaled: (() => Promise<void>) | undefined;
  let scaledUrl: string | undefined;
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL, `tmomi_test_${runId}`);
    await migrate(scratch.url, logger);
    project.provide('scaledDatabaseUrl', scratch.url);
    dropScaled = scratch.drop;
    scaledUrl = scratch.url;
  } else {
    project.provide('scaledDatabaseUrl', '');
  }
  // The suites that opt in (modes({ pgbouncer: true })) run a third time through a PgBouncer in
  // transaction mode with a few server sessions, shared by every app's pool: any session state left
  // on a connection would surface in another test's transaction (decision 036).
  const pgbouncer = !pgbouncerLeftOut(process.env)
    ? await startPgbouncer(process.env.DATABASE_URL ? (scaledUrl ?? '') : embedded.url, {
        poolSize: 5,
      }).catch(async (err: unknown) => {
        // No teardown after a failed setup: what was started so far is stopped here.
        await cluster?.release(`test:${runId}:`);
        await dropScaled?.();
        await embedded.stop();
        throw err;
      })
    : undefined;
  project.provide('pgbouncerDatabaseUrl', pgbouncer?.url ?? '');

  return async () => {
    console.log(modesReport(process.env, 'end'));
    await pgbouncer?.stop();
    await dropScaled?.();
    // Every test app's engine prefix starts with `test:<runId>:` (harness.ts): this run's keys, no one else's.
    if (process.env.REDIS_URL) await deleteKeysUnder(process.env.REDIS_URL, `test:${runId}:`);
    if (cluster) await cluster.release(`test:${runId}:`);
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
