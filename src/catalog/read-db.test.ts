import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Db } from '../platform/db.js';
import type { PubSub } from '../engine/coordination/port.js';
import { CatalogChanges } from '../inventory/catalog-changes.js';
import { CatalogReadDb } from './read-db.js';

/** A pool that records what it is asked and answers the replay check with `caughtUp`. */
function fakeDb(name: string, opts: { caughtUp?: boolean; fails?: boolean } = {}) {
  const asked: string[] = [];
  const db = {
    name,
    asked,
    caughtUp: opts.caughtUp ?? true,
    fails: opts.fails ?? false,
    query: async (sql: string) => {
      asked.push(sql);
      if (db.fails) throw new Error(`${name} is down`);
      if (sql.includes('pg_current_wal_lsn')) return { rows: [{ lsn: '0/3000000' }] };
      if (sql.includes('pg_last_wal_replay_lsn')) return { rows: [{ caught_up: db.caughtUp }] };
      return { rows: [] };
    },
  };
  return db;
}

function setup(replica: ReturnType<typeof fakeDb>) {
  const primary = fakeDb('primary');
  const noEngine = { publish: async () => undefined } as unknown as PubSub;
  const changes = new CatalogChanges({ engine: noEngine, logger: pino({ level: 'silent' }) });
  const reads = new CatalogReadDb({
    primary: primary as unknown as Db,
    replica: replica as unknown as Db,
    changes,
    logger: pino({ level: 'silent' }),
  });
  const where = () =>
    reads.read(async (db) => {
      await db.query('SELECT 1 FROM events');
      return (db as unknown as { name: string }).name;
    });
  return { primary, changes, where };
}

describe('where the catalog reads', () => {
  it('when the replica has not replayed the last change heard, then the primary answers until it has', async () => {
    const replica = fakeDb('replica', { caughtUp: false });
    const { primary, changes, where } = setup(replica);
    expect(await where()).toBe('primary');
    replica.caughtUp = true;
    expect(await where()).toBe('replica');
    // Caught up with everything heard: no more checks, and the primary's position was asked once.
    expect(await where()).toBe('replica');
    expect(primary.asked.filter((sql) => sql.includes('pg_current_wal_lsn'))).toHaveLength(1);
    expect(replica.asked.filter((sql) => sql.includes('pg_last_wal_replay_lsn'))).toHaveLength(2);

    await changes.announce('event', '1');
    replica.caughtUp = false;
    expect(await where()).toBe('primary');
    expect(primary.asked.filter((sql) => sql.includes('pg_current_wal_lsn'))).toHaveLength(2);
  });

  it('when the replica fails, then the primary answers', async () => {
    const replica = fakeDb('replica');
    const { where } = setup(replica);
    expect(await where()).toBe('replica');
    replica.fails = true;
    expect(await where()).toBe('primary');
  });
});
