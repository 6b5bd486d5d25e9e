import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildApp, type BuiltApp } from './app.js';
import { seedDemo } from './catalog/demo.js';
import { systemClock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { createPool, migrate, type Db } from './platform/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './platform/embedded-postgres.js';
import { createEngine, type Engine } from './engine/index.js';
import type { Logger } from './platform/logger.js';
import { loadOrCreateSecret } from './platform/secret.js';
import { checkPooling } from './platform/pooling.js';
import { openReadPool } from './catalog/read-db.js';

/** The outside systems a running Tmomi holds: opened at boot, closed in reverse order at shutdown. */
export interface Resources {
  db: Db;
  /** The catalog's replica (DATABASE_READ_URL), when there is one. */
  readDb: Db | undefined;
  databaseUrl: string;
  engine: Engine;
  secret: string;
  embedded: EmbeddedPostgres | undefined;
  close(): Promise<void>;
}

export async function openResources(config: Config, logger: Logger): Promise<Resources> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, logger);
  const databaseUrl = embedded?.url ?? config.databaseUrl!;
  let readDb: Db | undefined;
  try {
    // Through PgBouncer in transaction mode, migrations must take another way in (decision 036).
    const { migrationDatabaseUrl } = config;
    if (!embedded) await checkPooling({ databaseUrl, migrationDatabaseUrl }, logger);
    await migrate(migrationDatabaseUrl ?? databaseUrl, logger);
    if (config.databaseReadUrl) readDb = await openReadPool(config.databaseReadUrl);
    const db = createPool(databaseUrl);
    const engine = await createEngine({
      redisUrl: config.redisUrl,
      keyPrefix: config.redisPrefix,
      joinWaitMs: config.redisJoinWaitMs,
    });
    const secret = config.secret ?? (await loadOrCreateSecret(config.dataDir));
    return {
      db,
      readDb,
      databaseUrl,
      engine,
      secret,
      embedded,
      close: async () => {
        await engine.close();
        await db.end();
        await readDb?.end();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await readDb?.end();
    await embedded?.stop();
    throw err;
  }
}

/** `tmomi start`: boot, listen, and shut down gracefully on SIGTERM/SIGINT. */
export async function start(config: Config, logger: Logger): Promise<void> {
  const resources = await openResources(config, logger);
  const built = await buildApp({
    db: resources.db,
    ...(resources.readDb ? { readDb: resources.readDb } : {}),
    engine: resources.engine,
    clock: systemClock,
    logger,
    secret: resources.secret,
    settings: config,
  });
  const demoAdmin = await ensureAdmins(config, built, logger);
  if (!config.databaseUrl) await seedDemo(built.catalog, systemClock, logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      // Say what was still open, so a stuck drain can be explained.
      built.app.server.getConnections((_, connections) => {
        logger.error({ connections, streams: built.streams.size }, 'shutdown took too long; exiting');
        process.exit(1);
      });
    }, 30_000);
    force.unref();
    try {
      built.readiness.drain();
      // Stops accepting connections and waits for in-flight requests (and their onClose hooks).
      await built.app.close();
      await resources.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await built.app.listen({ port: config.port, host: config.host });
  const mode = config.databaseUrl ? 'scaled' : 'embedded';
  logger.info(
    { port: config.port, mode, engine: resources.engine.kind },
    `Tmomi is listening on http://localhost:${config.port}`,
  );
  await listenForScrapes(config, built, logger);
  // In plain text, not only in a JSON log line: what a newcomer needs to open the app and log in.
  if (demoAdmin) {
    process.stdout.write(
      [
        '',
        `  Tmomi is running at http://localhost:${config.port}`,
        `  Admin login: ${demoAdmin.email} / ${demoAdmin.password}`,
        `  (the password is kept in ${demoAdmin.file})`,
        '',
        '',
      ].join('\n'),
    );
  }
}

/** The metrics port when there is one; and where Prometheus finds /metrics, or how to turn it on. */
async function listenForScrapes(config: Config, built: BuiltApp, logger: Logger): Promise<void> {
  const { port, host, token } = config.metrics;
  const guarded = token === undefined ? '' : ' (Authorization: Bearer <TMOMI_METRICS_TOKEN>)';
  if (built.metricsServer && port !== undefined) {
    await built.metricsServer.listen({ port, host });
    const address = host.includes(':') ? `[${host}]` : host;
    logger.info({ port, host }, `metrics at http://${address}:${port}/metrics${guarded}`);
  } else if (token !== undefined) logger.info(`metrics at /metrics on the API port${guarded}`);
  else
    logger.info(
      'metrics are off: set TMOMI_METRICS_PORT (a port of their own, on loopback) or TMOMI_METRICS_TOKEN (on this port, behind the token)',
    );
}

/**
 * The admin named by TMOMI_ADMIN_EMAIL/PASSWORD is ensured on every boot. In the embedded mode with no
 * such variables, a demo admin gets a generated password kept in the data folder and shown in a plain
 * banner, so a newcomer can log in; the scaled mode never invents credentials.
 */
async function ensureAdmins(
  config: Config,
  built: BuiltApp,
  logger: Logger,
): Promise<{ email: string; password: string; file: string } | undefined> {
  if (config.admin) {
    await built.auth.ensureAdmin(config.admin);
    logger.info({ email: config.admin.email }, 'admin ensured');
    return undefined;
  }
  if (config.databaseUrl) return undefined;
  const file = resolve(config.dataDir, 'demo-admin.json');
  const saved = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as { email: string; password: string })
    .catch(() => undefined);
  const demo = saved ?? { email: 'admin@tmomi.local', password: randomBytes(9).toString('base64url') };
  if (!saved) await writeFile(file, JSON.stringify(demo) + '\n', { mode: 0o600 });
  await built.auth.ensureAdmin({ ...demo, name: 'Demo admin' });
  // The password goes to the banner printed once listening, never into the logs.
  logger.info({ email: demo.email, file }, 'demo admin ensured');
  return { ...demo, file };
}
