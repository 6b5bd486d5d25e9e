import { execFile } from 'node:child_process';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../src/platform/net.js';
import { postgresIds } from './pgbouncer.js';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 server programs, for a primary and a standby of a test's own. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const hasPgServer = existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_basebackup'));

export interface ReplicatedPostgres {
  primaryUrl: string;
  standbyUrl: string;
  /** Stops the primary at once, as a crash would (`pg_ctl stop -m immediate`). */
  killPrimary(): Promise<void>;
  /** Promotes the standby and waits until it takes writes. */
  promote(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A primary and a synchronous standby on free loopback ports, in a temporary folder (as the
 * `postgres` user when root): every commit the primary acknowledges is on the standby's disk first
 * (`synchronous_standby_names = '*'`, `synchronous_commit = on`), which is what lets a promotion lose
 * no acknowledged order. Resolves once the standby streams synchronously.
 */
export async function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  const ids = process.getuid?.() === 0 ? postgresIds() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'tmomi-standby-'));
  if (ids) await chown(dir, ids.uid, ids.gid);
  const bin = (name: string, args: string[]) =>
    run(join(PG_BIN, name), args, { ...ids, cwd: dir, timeout: 120_000 });
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primary = join(dir, 'primary');
  const standby = join(dir, 'standby');
  const settings = (port: number) =>
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'wal_level = replica',
      'max_wal_senders = 4',
      "synchronous_standby_names = '*'",
      'synchronous_commit = on',
      'shared_buffers = 32MB',
      'max_connections = 60',
      '',
    ].join('\n');

  await bin('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await appendFile(join(primary, 'postgresql.conf'), settings(primaryPort));
  await bin('pg_ctl', ['-D', primary, '-l', join(dir, 'primary.log'), '-w', 'start']);
  await bin('pg_basebackup', [
    ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
    ...['-D', standby, '-R', '-X', 'stream', '-c', 'fast'],
  ]);
  // The base backup copied the primary's settings, synchronous_standby_names too: once promoted, with
  // no standby of its own, every commit would wait for one forever (found by the switchover test:
  // checkouts hung in SyncRep). A failover manager clears it likewise until a new standby follows.
  await appendFile(
    join(standby, 'postgresql.conf'),
    `port = ${standbyPort}\nsynchronous_standby_names = ''\n`,
  );
  await bin('pg_ctl', ['-D', standby, '-l', join(dir, 'standby.log'), '-w', 'start']);

  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  const ask = async <T>(url: string, sql: string): Promise<T | undefined> => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return (await client.query(sql)).rows[0] as T;
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 300; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} did not happen within 30 s (logs in ${dir})`);
  };
  await until('the standby streaming synchronously', async () => {
    const row = await ask<{ sync_state: string }>(primaryUrl, 'SELECT sync_state FROM pg_stat_replication');
    return row?.sync_state === 'sync';
  });

  const stopQuietly = (data: string) =>
    bin('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
  return {
    primaryUrl,
    standbyUrl,
    killPrimary: async () => {
      await bin('pg_ctl', ['-D', primary, '-m', 'immediate', 'stop']);
    },
    promote: async () => {
      await bin('pg_ctl', ['-D', standby, '-w', 'promote']);
      await until('the promoted standby taking writes', async () => {
        const row = await ask<{ recovery: boolean }>(standbyUrl, 'SELECT pg_is_in_recovery() AS recovery');
        return row?.recovery === false;
      });
    },
    stop: async () => {
      await stopQuietly(standby);
      await stopQuietly(primary);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
