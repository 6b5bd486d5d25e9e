import pg from 'pg';
import { ConfigError } from '../platform/config.js';
import { createPool, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { CatalogChanges } from '../inventory/catalog-changes.js';

/**
 * Where the catalog's public reads go — the event page, search and the venue's seat layout — and
 * nothing else (decision 036): a replica when DATABASE_READ_URL names one. Holds, orders, the
 * availability rebuild and every write keep the primary, because they are handed only that pool.
 *
 * A replica lags. Each node drops its cached catalog rows when it hears of a change, and would read the
 * old row straight back from a replica that has not replayed the change yet, then keep it for the
 * cache's TTL. So after each change heard, the replica is used only once it has replayed the primary's
 * WAL position taken after hearing it (a change is announced after its commit, so it lies before that
 * position); until then the reads go to the primary. A row missing on the replica (made on a node whose
 * announcement has not arrived) is looked for on the primary before it is called gone, and a replica
 * that fails is read around, with a warning, rather than failing the page.
 */
export class CatalogReadDb {
  private heard = 0;
  /** The count of changes heard for which the replica was seen caught up. */
  private freshFor = -1;
  private target: { heard: number; lsn: Promise<string> } | undefined;
  private failing = false;

  constructor(
    private readonly deps: {
      primary: Db;
      replica: Db | undefined;
      changes: CatalogChanges;
      logger: Logger;
    },
  ) {
    deps.changes.onChange(() => this.heard++);
  }

  /**
   * Runs a read on the replica when it is fresh enough, else on the primary; `undefined` from the
   * replica (not there yet) and a replica's failure are asked of the primary.
   */
  async read<T>(query: (db: Db) => Promise<T | undefined>): Promise<T | undefined> {
    const { primary } = this.deps;
    const db = await this.pool();
    if (db === primary) return query(primary);
    let found: T | undefined;
    try {
      found = await query(db);
      this.failing = false;
    } catch (err) {
      this.failed(err);
      return query(primary);
    }
    return found !== undefined ? found : query(primary);
  }

  private async pool(): Promise<Db> {
    const { primary, replica } = this.deps;
    if (!replica) return primary;
    const heard = this.heard;
    if (this.freshFor === heard) return replica;
    try {
      const lsn = await this.primaryPosition(heard);
      // Not a standby (a promoted one, or another database altogether): nothing to wait for.
      const { rows } = await replica.query<{ caught_up: boolean }>(
        'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS caught_up',
        [lsn],
      );
      if (!rows[0]!.caught_up) return primary;
      this.freshFor = Math.max(this.freshFor, heard);
      return replica;
    } catch (err) {
      this.failed(err);
      return primary;
    }
  }

  /** The primary's WAL position, asked once per change heard, not once per read. */
  private primaryPosition(heard: number): Promise<string> {
    if (this.target?.heard !== heard) {
      const lsn = this.deps.primary
        .query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
        .then(({ rows }) => rows[0]!.lsn);
      this.target = { heard, lsn };
      // A failed ask is asked again next time, not remembered.
      lsn.catch(() => {
        if (this.target?.lsn === lsn) this.target = undefined;
      });
    }
    return this.target.lsn;
  }

  private failed(err: unknown): void {
    if (!this.failing)
      this.deps.logger.warn(
        { err },
        'the catalog replica (DATABASE_READ_URL) could not be used; reading from the primary',
      );
    this.failing = true;
  }
}

/**
 * The replica's pool, checked at boot: a URL that does not reach a database holding Tmomi's schema is a
 * mistake in the configuration, said now rather than by a warning at every page. (Once running, a
 * replica that goes away is read around: see CatalogReadDb.)
 */
export async function openReadPool(url: string): Promise<Db> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1 FROM events LIMIT 1');
  } catch (err) {
    throw new ConfigError(
      `DATABASE_READ_URL does not reach Tmomi's catalog: ${(err as Error).message || String(err)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return createPool(url, { applicationName: 'tmomi-catalog-reads' });
}
