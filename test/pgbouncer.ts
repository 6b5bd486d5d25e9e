import { spawn, spawnSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../src/platform/net.js';

/** Debian's PgBouncer, for the tests that run Tmomi through one (decision 036). */
export const PGBOUNCER = '/usr/sbin/pgbouncer';
export const hasPgbouncer = spawnSync(PGBOUNCER, ['--version']).status === 0;
export const PGBOUNCER_MISSING =
  'pgbouncer is not installed (apt-get install pgbouncer); .ci/run installs it';

/** Why this run's opted-in suites do not also run through PgBouncer, or undefined when they do. */
export function pgbouncerLeftOut(env: Record<string, string | undefined>): string | undefined {
  if (!hasPgbouncer) return PGBOUNCER_MISSING;
  // Mutation runs test the embedded mode alone (stryker.config.mjs), and a worker Stryker kills
  // would leave its PgBouncer running.
  if (env.STRYKER_MUTATOR_WORKER !== undefined) return 'not under mutation testing (stryker.config.mjs)';
  return undefined;
}

export interface Pgbouncer {
  /** The target database, through PgBouncer (same user, password and database name). */
  url: string;
  /** Runs a command on PgBouncer's admin console (SHOW POOLS, PAUSE, RECONNECT …). */
  admin(command: string): Promise<Record<string, unknown>[]>;
  /** Points it at another server (a promoted standby): rewrites the ini and RELOADs. */
  retarget(target: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A PgBouncer of the caller's own on a free loopback port in front of the PostgreSQL `target` points at,
 * answering by the time this resolves. Its ini and userlist live in a temporary folder. PgBouncer
 * refuses to run as root, so as root it runs as the `postgres` user (which owns that folder).
 * `poolSize` server sessions per database and user: a few, so that clients really share them.
 */
export async function startPgbouncer(
  target: string,
  opts: {
    poolMode?: 'transaction' | 'session';
    poolSize?: number;
    /** More `[pgbouncer]` settings (timeouts, retries). */
    settings?: Record<string, string | number>;
  } = {},
): Promise<Pgbouncer> {
  const server = new URL(target);
  const user = decodeURIComponent(server.username || userInfo().username);
  const password = decodeURIComponent(server.password);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tmomi-pgbouncer-'));
  const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
  await writeFile(join(dir, 'userlist.txt'), `${quoted(user)} ${quoted(password)}\n`, { mode: 0o600 });
  const ini = (to: URL) =>
    [
      '[databases]',
      // The target's database by name (so that a RELOAD moves it: a database made from `*` keeps its
      // first server), and any other the client asks for on the same server; logged in as the client's
      // user with the userlist's password (trust servers ignore it, the embedded one checks it).
      `${to.pathname.slice(1) || 'postgres'} = host=${to.hostname} port=${to.port || 5432}`,
      `* = host=${to.hostname} port=${to.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      `pool_mode = ${opts.poolMode ?? 'transaction'}`,
      `default_pool_size = ${opts.poolSize ?? 5}`,
      'max_client_conn = 1000',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      ...Object.entries(opts.settings ?? {}).map(([key, value]) => `${key} = ${value}`),
      '',
    ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), ini(server));
  const asPostgres = process.getuid?.() === 0 ? postgresIds() : undefined;
  if (asPostgres) {
    await chown(dir, asPostgres.uid, asPostgres.gid);
    for (const file of ['userlist.txt', 'pgbouncer.ini'])
      await chown(join(dir, file), asPostgres.uid, asPostgres.gid);
  }
  const proc = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...asPostgres });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const adminUrl = new URL(target);
  adminUrl.host = `127.0.0.1:${port}`;
  adminUrl.pathname = '/pgbouncer';
  const admin = async (command: string) => {
    const client = new pg.Client({ connectionString: adminUrl.toString() });
    await client.connect();
    try {
      return (await client.query(command)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  const retarget = async (to: string) => {
    await writeFile(join(dir, 'pgbouncer.ini'), ini(new URL(to)));
    await admin('RELOAD');
  };
  const stop = async () => {
    proc.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      await admin('SHOW VERSION');
      break;
    } catch (err) {
      if (i >= 50 || proc.exitCode !== null) {
        const log = await readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '');
        await stop();
        throw new Error(`pgbouncer did not start: ${String(err)}\n${log}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return { url: url.toString(), admin, retarget, stop };
}

/** The `postgres` user's ids, for the servers a test runs as it when root (they refuse root). */
export function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}
