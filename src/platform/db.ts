import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from './logger.js';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;

// bigint ids come back as strings (ids are opaque strings in the API); counts we cast in SQL.
export function createPool(databaseUrl: string, opts: { max?: number; applicationName?: string } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 20,
    application_name: opts.applicationName ?? 'tmomi',
    // A request must never wait forever for a connection: fail fast and let the client retry.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener an idle client's network error would crash the process. The pool listens only
  // while a client is idle: a client checked out between two queries of a transaction when its server
  // goes (a switchover, a PgBouncer restart) emits 'error' too, so every client gets a listener of its
  // own for its whole life. Its next query fails, and the transaction's caller sees that failure.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Runs `fn` in one transaction; rolls back on any throw. With `asyncCommit` the commit does not wait for
 * the WAL flush: for work whose loss in a database crash is harmless because it is redone (a ticket chunk,
 * a job's claim), never for what a user was told is done. One round trip either way.
 */
export async function inTransaction<T>(
  db: Db,
  fn: (client: DbClient) => Promise<T>,
  opts: { asyncCommit?: boolean } = {},
): Promise<T> {
  const client = await db.connect();
  try {
    await client.query(opts.asyncCommit ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Applies pending migrations. Safe to call from many nodes booting at once: node-pg-migrate takes
 * an advisory lock, and with `wait` the later nodes block until the first finishes instead of failing.
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: (msg: string) => logger.debug({ migrate: msg }, 'migration'),
  });
  const names = applied.map((m) => m.name);
  if (names.length > 0) logger.info({ applied: names }, 'database migrated');
  return names;
}
