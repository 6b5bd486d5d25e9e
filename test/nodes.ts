import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ClusterState } from '../src/ops/cluster.js';
import { freePort } from '../src/platform/net.js';
import { deleteKeysUnder } from './redis-keys.js';
import { TEST_METRICS_TOKEN, TEST_SECRET } from './harness.js';

/** A real Tmomi process started through the CLI, as an operator would. */
export interface TmomiNode {
  proc: ChildProcess;
  base: string;
  port: number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `tmomi start` on a free port in the scaled mode and waits (bounded) until it is ready. */
export async function startNode(env: Record<string, string>): Promise<TmomiNode> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      TMOMI_SECRET: TEST_SECRET,
      TMOMI_AUTH_RATE_LIMIT: '100000',
      // /metrics on the node's own port, behind the token (METRICS_AUTH).
      TMOMI_METRICS_TOKEN: TEST_METRICS_TOKEN,
      // No proof of work at the queue's door unless a test asks (test/challenge.test.ts does).
      TMOMI_CHALLENGE_DIFFICULTY: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
    // Logs at LOG_LEVEL (error by default) reach the test output, so a 500 under load can be explained.
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const node: TmomiNode = {
    proc,
    port,
    base: `http://127.0.0.1:${port}`,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  for (let waited = 0; waited < 30_000; waited += 200) {
    const ready = await fetch(`${node.base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return node;
    if (proc.exitCode !== null) break;
    await sleep(200);
  }
  proc.kill('SIGKILL');
  throw new Error(`tmomi on port ${port} did not become ready`);
}

export const HAPROXY_MISSING = 'haproxy is not installed (apt-get install haproxy); .ci/run installs it';

/** Whether Debian's haproxy is there: the balancer tests say so and skip without it. */
export function hasHaproxy(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn('haproxy', ['-v'], { stdio: 'ignore' });
    probe.once('error', () => resolve(false)).once('exit', (code) => resolve(code === 0));
  });
}

/** `tmomi cluster` as an operator runs it, started by a test: N nodes behind HAProxy. */
export interface TestCluster {
  /** What cluster.json says: the balancer's URL, HAProxy's and each node's pid and port. */
  state: ClusterState;
  balancer: string;
  /** Its folder: haproxy.cfg, cluster.json, the Prometheus targets. */
  dir: string;
  proc: ChildProcess;
  /** Everything the cluster and its nodes printed so far. */
  log(): string;
  nodeUrl(name: string): string;
  pidOf(name: string): number;
  /**
   * The node among `names` that holds the admission lease, from its /metrics (on the metrics port
   * `tmomi cluster` gave it); undefined if none.
   */
  leaderAmong(names: string[]): Promise<string | undefined>;
  /** Kills whatever is left (the cluster, HAProxy, the nodes), removes its folder and its Redis keys. */
  destroy(): Promise<void>;
}

/** Starts `tmomi cluster --nodes N` in a temporary folder with `env`, and waits (bounded) for cluster.json. */
export async function startCluster(nodes: number, env: Record<string, string>): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tmomi-cluster-'));
  const [port, statsPort] = [await freePort(), await freePort()];
  const proc = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'src/cli.ts', 'cluster', '--nodes', String(nodes)],
      ...['--port', String(port), '--stats-port', String(statsPort), '--dir', dir, '--lifetime', '900'],
    ],
    {
      env: {
        PATH: process.env.PATH,
        TMOMI_SECRET: TEST_SECRET,
        TMOMI_AUTH_RATE_LIMIT: '100000',
        TMOMI_CHALLENGE_DIFFICULTY: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  proc.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let state: ClusterState | undefined;
  for (let waited = 0; waited < 120_000 && proc.exitCode === null && !state; waited += 250) {
    const text = await readFile(join(dir, 'cluster.json'), 'utf8').catch(() => '');
    if (text) state = JSON.parse(text) as ClusterState;
    else await sleep(250);
  }
  const destroy = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    for (const pid of [state?.haproxyPid, ...(state?.nodes ?? []).map((n) => n.pid)]) {
      if (pid) signalQuietly(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
    // The cluster's keys on the shared Redis go with it.
    if (env.REDIS_URL && env.TMOMI_REDIS_PREFIX) await deleteKeysUnder(env.REDIS_URL, env.TMOMI_REDIS_PREFIX);
  };
  if (!state) {
    await destroy();
    throw new Error(`tmomi cluster did not start:\n${log}`);
  }
  const found = state;
  const node = (name: string) => {
    const n = found.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} in ${JSON.stringify(found.nodes)}`);
    return n;
  };
  const nodeUrl = (name: string) => `http://127.0.0.1:${node(name).port}`;
  const metricsUrl = (name: string) => `http://127.0.0.1:${node(name).metricsPort}/metrics`;
  return {
    state: found,
    balancer: found.balancer,
    dir,
    proc,
    log: () => log,
    nodeUrl,
    pidOf: (name) => node(name).pid,
    leaderAmong: async (names) => {
      for (const name of names) {
        const text = await fetch(metricsUrl(name), { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.text(),
          () => '',
        );
        if (/^tmomi_admission_leader 1$/m.test(text)) return name;
      }
      return undefined;
    },
    destroy,
  };
}

/** Sends a signal to a process that may already be gone. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether Debian's redis-server is installed, for the tests that start one of their own. */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/**
 * A redis-server of the test's own on a free port (its Lua scripts, keys and pub/sub apart from every
 * other file's), answering by the time this resolves. `stop` kills it.
 */
export async function startRedisServer(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  probe.on('error', () => undefined); // refused until the server is up: retried below
  for (let i = 0; i < 50; i++) {
    if (
      await probe.connect().then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await probe.ping();
  probe.disconnect();
  return { url, stop: () => proc.kill('SIGKILL') };
}
