import { freePort } from '../src/platform/net.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a newcomer does: start Tmomi with nothing configured, use it, stop it, start it again.
 * Runs the real CLI in a child process on a fresh data folder (embedded PostgreSQL + memory engine).
 */
describe('tmomi start on a fresh machine', () => {
  let dataDir: string;
  let port: number;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tmomi-start-'));
    port = await freePort();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await stopLeftoverPostgres(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });

  const boot = async (): Promise<ChildProcess> => {
    output = '';
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      TMOMI_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`tmomi exited with ${proc.exitCode}:\n${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return proc;
      await new Promise((r) => setTimeout(r, 250));
    }
    proc.kill('SIGKILL');
    throw new Error(`/healthz did not answer within 60 s:\n${output}`);
  };
  const post = (path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const exited = (proc: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', resolve),
    );

  it('when started with nothing configured, then signup, login and /api/me work, and the demo admin is printed', async () => {
    child = await boot();
    const signup = await post('/api/auth/signup', {
      email: 'newcomer@example.com',
      password: 'plum-cactus-orbit-42',
      name: 'New',
    });
    expect(signup.status).toBe(201);
    const login = await post('/api/auth/login', {
      email: 'newcomer@example.com',
      password: 'plum-cactus-orbit-42',
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = await fetch(`http://127.0.0.1:${port}/api/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(await me.json()).toMatchObject({ email: 'newcomer@example.com' });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const demo = JSON.parse(await readFile(join(dataDir, 'demo-admin.json'), 'utf8')) as {
      email: string;
      password: string;
    };
    // In a plain banner, where a newcomer sees it, and in no JSON log line.
    expect(output).toContain(`  Admin login: ${demo.email} / ${demo.password}\n`);
    const logLines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.filter((line) => line.includes(demo.password))).toEqual([]);
    const adminLogin = await post('/api/auth/login', demo);
    expect(((await adminLogin.json()) as { user: { role: string } }).user.role).toBe('admin');

    const events = (await (await fetch(`http://127.0.0.1:${port}/api/events`)).json()) as { total: number };
    expect(events.total).toBe(2);
  });

  it('when a second tmomi is started on the same data folder, then it refuses and leaves the first one running', async () => {
    const second = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMOMI_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    second.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    expect(await exited(second)).toBe(1);
    expect(said).toContain('already running');
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });

  it('when stopped with SIGTERM and started again, then it exits cleanly and the same data is there', async () => {
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);
    child = await boot();
    const login = await post('/api/auth/login', {
      email: 'newcomer@example.com',
      password: 'plum-cactus-orbit-42',
    });
    expect(login.status).toBe(200);
    const events = (await (await fetch(`http://127.0.0.1:${port}/api/events`)).json()) as { total: number };
    expect(events.total).toBe(2); // the demo is seeded once, not again on restart
  });

  it('when killed with -9 (leaving its PostgreSQL behind) and started again, then it recovers the data folder', async () => {
    child!.kill('SIGKILL');
    await exited(child!);
    child = await boot();
    const login = await post('/api/auth/login', {
      email: 'newcomer@example.com',
      password: 'plum-cactus-orbit-42',
    });
    expect(login.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it.runIf(process.getuid?.() === 0)(
    'when root starts it with the data folder inside a private one, then it stops with one sentence and no stack',
    async () => {
      const closed = await mkdtemp(join(tmpdir(), 'tmomi-private-')); // 0700: the postgres user cannot enter
      try {
        const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, TMOMI_DATA_DIR: join(closed, 'data') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        expect(await exited(proc)).toBe(1);
        expect(stderr).toBe(
          `tmomi start: Tmomi runs as root, so its embedded PostgreSQL runs as the "postgres" user, which cannot enter ${closed}: ` +
            'put Tmomi (or TMOMI_DATA_DIR) in a folder other users can enter, such as /opt/tmomi, run it as a ' +
            'normal user, or set DATABASE_URL to a PostgreSQL server.\n',
        );
      } finally {
        await rm(closed, { recursive: true, force: true });
      }
    },
  );
});

async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  const pid = Number.parseInt(
    (await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0] ?? '',
    10,
  );
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
}
