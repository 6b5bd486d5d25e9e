import { chmod, mkdir, mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { closedAncestor, EmbeddedPostgresError, startEmbeddedPostgres } from './embedded-postgres.js';

const logger = pino({ level: 'silent' });
const isRoot = userInfo().uid === 0;

/** Whether `password` opens the server at `url` as the superuser. */
async function opens(url: string, password: string): Promise<boolean> {
  const at = new URL(url);
  at.password = encodeURIComponent(password);
  const client = new pg.Client({ connectionString: at.toString() });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('the embedded PostgreSQL', () => {
  const made: string[] = [];
  const folder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tmomi-embedded-'));
    made.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('when a data folder is started, then its cluster has a password of its own, kept private, and the folder is private', async () => {
    const dataDir = await folder();
    const first = await startEmbeddedPostgres(dataDir, logger);
    const password = decodeURIComponent(new URL(first.url).password);
    try {
      expect(password).not.toBe('tmomi-embedded');
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(await opens(first.url, 'tmomi-embedded')).toBe(false);
      expect((await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim()).toBe(password);
      expect((await stat(join(dataDir, 'postgres-password'))).mode & 0o777).toBe(0o600);
      expect((await stat(dataDir)).mode & 0o777).toBe(isRoot ? 0o711 : 0o700);

      // A cluster made before passwords were per folder still has the old one, and no password file.
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      // Reachable over TCP on loopback only, and by no unix socket other local users could use.
      const setting = async (name: string) =>
        (await client.query<{ value: string }>('SELECT current_setting($1) AS value', [name])).rows[0]!.value;
      expect(await setting('listen_addresses')).toBe('127.0.0.1');
      expect(await setting('unix_socket_directories')).toBe('');
      await client.query(`ALTER ROLE postgres PASSWORD 'tmomi-embedded'`);
      await client.end();
    } finally {
      await first.stop();
    }
    await unlink(join(dataDir, 'postgres-password'));
    const again = await startEmbeddedPostgres(dataDir, logger);
    try {
      const rotated = decodeURIComponent(new URL(again.url).password);
      expect(rotated).not.toBe('tmomi-embedded');
      expect(await opens(again.url, rotated)).toBe(true);
      expect(await opens(again.url, 'tmomi-embedded')).toBe(false);
      expect((await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim()).toBe(rotated);
    } finally {
      await again.stop();
    }
  });

  it('when a folder on the way is closed to other users, then it is the one named', async () => {
    const dir = await folder();
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await chmod(dir, 0o755);
    await chmod(join(dir, 'a'), 0o700);
    expect(closedAncestor(join(dir, 'a', 'b'))).toBe(join(dir, 'a'));
    await chmod(join(dir, 'a'), 0o711);
    expect(closedAncestor(join(dir, 'a', 'b'))).toBeUndefined();
  });

  it.runIf(isRoot)(
    'when root starts it in a folder the postgres user cannot enter, then one sentence says what to do',
    async () => {
      const closed = await folder(); // mkdtemp makes it 0700
      await expect(startEmbeddedPostgres(join(closed, 'data'), logger)).rejects.toThrow(
        new EmbeddedPostgresError(
          `Tmomi runs as root, so its embedded PostgreSQL runs as the "postgres" user, which cannot enter ${closed}: ` +
            'put Tmomi (or TMOMI_DATA_DIR) in a folder other users can enter, such as /opt/tmomi, run it as a ' +
            'normal user, or set DATABASE_URL to a PostgreSQL server.',
        ),
      );
    },
  );
});
