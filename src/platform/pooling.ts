import pg from 'pg';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';

/**
 * How a URL reaches PostgreSQL (decision 036):
 * - `direct`: each connection is a server session of its own;
 * - `transaction-pooler`: sessions are shared between clients transaction by transaction (PgBouncer's
 *   `pool_mode = transaction`): nothing may outlive a transaction, so no migrations' advisory lock;
 * - `pinned-proxy`: something between us and PostgreSQL (its port is not the URL's) that still keeps one
 *   server session per client: PgBouncer in session mode, or a TCP proxy such as HAProxy. Correct, but a
 *   pooler in session mode multiplexes nothing: every node's pool holds its server connections.
 */
export type Pooling = 'direct' | 'transaction-pooler' | 'pinned-proxy';

const pidOf = async (client: pg.Client) =>
  (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

/**
 * Two clients connected at once ask for their server process in turn. Straight to PostgreSQL (or
 * through anything that pins a session to a client) they can never share one while both are open;
 * a transaction pooler hands the second the session the first just gave back (PgBouncer reuses its
 * most recently used server connection first), so the same pid seen once proves it. A busy pooler
 * may hand out another idle session instead, hence a few tries.
 */
export async function poolingOf(url: string, tries = 3): Promise<Pooling> {
  const clients = [0, 1].map(
    () => new pg.Client({ connectionString: url, application_name: 'tmomi-pooling-probe' }),
  );
  try {
    for (const client of clients) await client.connect();
    const [first, second] = clients as [pg.Client, pg.Client];
    for (let i = 0; i < tries; i++) {
      if ((await pidOf(first)) === (await pidOf(second))) return 'transaction-pooler';
    }
    const { rows } = await first.query<{ port: number | null }>('SELECT inet_server_port() AS port');
    const serverPort = rows[0]!.port;
    const { hostname, port } = new URL(url);
    // A unix socket (no host in the URL, or a path) has no port to compare.
    if (serverPort === null || hostname === '' || hostname.startsWith('%2F')) return 'direct';
    return serverPort === Number(port || 5432) ? 'direct' : 'pinned-proxy';
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

/**
 * Checked at boot in the scaled mode: migrations hold a session-level advisory lock across their
 * transaction, which a transaction pooler would leave behind on whichever server session it landed, so
 * they must reach PostgreSQL itself; a pooler in session mode works but pools nothing, which is said.
 */
export async function checkPooling(
  urls: { databaseUrl: string; migrationDatabaseUrl: string | undefined },
  logger: Logger,
): Promise<Pooling> {
  const pooling = await poolingOf(urls.databaseUrl);
  if (pooling === 'transaction-pooler' && urls.migrationDatabaseUrl === undefined)
    throw new ConfigError(
      'DATABASE_URL goes through a transaction pooler (PgBouncer in transaction mode?): migrations hold an ' +
        'advisory lock for a whole session, which it cannot keep; set TMOMI_MIGRATION_DATABASE_URL to ' +
        'PostgreSQL itself (docs/deploy.md#pgbouncer)',
    );
  if (urls.migrationDatabaseUrl !== undefined) {
    if ((await poolingOf(urls.migrationDatabaseUrl)) === 'transaction-pooler')
      throw new ConfigError(
        'TMOMI_MIGRATION_DATABASE_URL goes through a transaction pooler: it must reach PostgreSQL itself ' +
          '(or a pooler in session mode), since migrations hold an advisory lock for a whole session',
      );
  }
  if (pooling === 'pinned-proxy')
    logger.warn(
      'DATABASE_URL reaches PostgreSQL through a proxy that keeps one server session per connection ' +
        '(PgBouncer in session mode, or a TCP proxy): each node holds up to its pool size of server ' +
        'connections; use pool_mode = transaction to share them (docs/deploy.md#pgbouncer)',
    );
  else logger.info({ pooling }, 'database connection');
  return pooling;
}
