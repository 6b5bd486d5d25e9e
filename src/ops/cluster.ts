import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnvironment, type Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { freePort } from '../platform/net.js';
import { renderHaproxyConfig } from './haproxy-config.js';

export interface ClusterOptions {
  nodes: number;
  /** The balancer's port on 127.0.0.1. */
  port: number;
  /** HAProxy's metrics and stats page. */
  statsPort: number;
  /** The whole cluster stops by itself after this long. */
  lifetimeSeconds: number;
  /** Generated files: haproxy.cfg, Prometheus targets, cluster.json. */
  dir: string;
}

/** What cluster.json says, for operators and tests that want to poke one node. */
export interface ClusterState {
  balancer: string;
  stats: string;
  haproxyPid: number;
  /** `metricsPort`: where the node's /metrics answers, on 127.0.0.1 (what Prometheus is told). */
  nodes: { name: string; port: number; metricsPort: number; pid: number }[];
}

interface Node {
  name: string;
  port: number;
  metricsPort: number;
  proc: ChildProcess;
  exited: Promise<void>;
}

export class ClusterError extends Error {}

const TEMPLATE = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));
const READY_WITHIN_MS = 90_000;
// A node's own shutdown guard is 30 s; past that it is stuck and gets killed.
const NODE_STOP_WITHIN_MS = 35_000;

/**
 * `tmomi cluster`: N nodes of this same program against DATABASE_URL and REDIS_URL, HAProxy in front
 * (deploy/haproxy.cfg with this cluster's ports), and Prometheus targets written for file-based
 * discovery. Runs until SIGINT/SIGTERM, the lifetime, or HAProxy's exit; then drains the nodes (each
 * gets SIGTERM and shuts down gracefully) before stopping HAProxy, so in-flight requests finish.
 */
export async function runCluster(opts: ClusterOptions, config: Config, logger: Logger): Promise<void> {
  if (!config.databaseUrl || !config.redisUrl) {
    throw new ClusterError(
      'tmomi cluster needs DATABASE_URL and REDIS_URL: nodes share their database and engine',
    );
  }
  await mkdir(opts.dir, { recursive: true });
  const nodes: Node[] = [];
  let haproxy: ChildProcess | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(nodes.map((node) => stopProcess(node.proc, 'SIGTERM', NODE_STOP_WITHIN_MS)));
    if (haproxy) await stopProcess(haproxy, 'SIGTERM', 5_000);
    await writeTargets(opts.dir, 'tmomi', []);
    await writeTargets(opts.dir, 'haproxy', []);
    await rm(join(opts.dir, 'cluster.json'), { force: true });
  };

  // Signals that arrive while starting stop the start-up too.
  let interrupt: (signal: string) => void = () => undefined;
  const interrupted = new Promise<string>((resolve) => (interrupt = resolve));
  const onSignal = (signal: NodeJS.Signals) => interrupt(signal);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    for (let i = 1; i <= opts.nodes; i++) nodes.push(await startNode(`tmomi-${i}`));
    const alive = new Set(nodes);
    const readyOrInterrupted = await Promise.race([
      Promise.all(nodes.map((node) => waitReady(node))).then(() => undefined),
      interrupted,
    ]);
    if (readyOrInterrupted) return;
    for (const node of nodes) {
      void node.exited.then(() => {
        alive.delete(node);
        const fields = { node: node.name, code: node.proc.exitCode, signal: node.proc.signalCode };
        if (stopping) logger.info(fields, 'node exited');
        else logger.warn(fields, 'node exited');
        // So Prometheus stops scraping it (and alerting on it) rather than reporting it down forever.
        if (!stopping) void writeTargets(opts.dir, 'tmomi', [...alive].map(metricsAddress));
      });
    }
    await writeTargets(opts.dir, 'tmomi', nodes.map(metricsAddress));
    await writeTargets(opts.dir, 'haproxy', [`127.0.0.1:${opts.statsPort}`]);

    const configFile = join(opts.dir, 'haproxy.cfg');
    const rendered = renderHaproxyConfig(await readFile(TEMPLATE, 'utf8'), {
      listen: `127.0.0.1:${opts.port}`,
      stats: `127.0.0.1:${opts.statsPort}`,
      nodes: nodes.map((n) => ({ name: n.name, address: address(n) })),
    });
    await writeFile(configFile, rendered);
    haproxy = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    let spawnError: Error | undefined;
    haproxy.once('error', (err) => (spawnError = err));
    const haproxyExited = exitOf(haproxy);
    const balancer = `http://127.0.0.1:${opts.port}`;
    const answered = await Promise.race([
      poll(`${balancer}/readyz`, 10_000),
      haproxyExited.then(() => false),
    ]);
    if (spawnError)
      throw new ClusterError(`could not run haproxy (apt-get install haproxy): ${spawnError.message}`);
    if (!answered) throw new ClusterError(`HAProxy did not answer on ${balancer} (see its output above)`);
    const state: ClusterState = {
      balancer,
      stats: `http://127.0.0.1:${opts.statsPort}/stats`,
      haproxyPid: haproxy.pid!,
      nodes: nodes.map((n) => ({ name: n.name, port: n.port, metricsPort: n.metricsPort, pid: n.proc.pid! })),
    };
    await writeAtomically(join(opts.dir, 'cluster.json'), JSON.stringify(state, null, 2) + '\n');
    logger.info({ ...state, dir: opts.dir }, `cluster ready: ${balancer} → ${opts.nodes} nodes`);

    let lifetime: NodeJS.Timeout | undefined;
    const why = await Promise.race([
      interrupted,
      haproxyExited.then(() => 'haproxy exited'),
      new Promise<string>((resolve) => {
        lifetime = setTimeout(() => resolve('lifetime over'), opts.lifetimeSeconds * 1000);
      }),
    ]);
    clearTimeout(lifetime);
    logger.info({ reason: why }, 'cluster stopping: draining nodes');
    if (why === 'haproxy exited') throw new ClusterError(`HAProxy exited with ${haproxy.exitCode}`);
  } finally {
    await stop();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    logger.info('cluster stopped');
  }

  async function startNode(name: string): Promise<Node> {
    const [port, metricsPort] = [await freePort(), await freePort()];
    // The same program and runtime flags as this process (tsx in development, plain node when built).
    // Each node's metrics on a loopback port of its own, for Prometheus on this machine; a
    // TMOMI_METRICS_TOKEN in this environment still guards them.
    const proc = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'start'], {
      env: childEnvironment({
        PORT: String(port),
        HOST: '127.0.0.1',
        TMOMI_METRICS_PORT: String(metricsPort),
        TMOMI_METRICS_HOST: '127.0.0.1',
      }),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    logger.info({ node: name, port, metricsPort, nodePid: proc.pid }, 'node starting');
    return { name, port, metricsPort, proc, exited: exitOf(proc) };
  }

  async function waitReady(node: Node): Promise<void> {
    const ready = await Promise.race([
      poll(`http://127.0.0.1:${node.port}/readyz`, READY_WITHIN_MS),
      node.exited.then(() => false),
    ]);
    if (!ready) throw new ClusterError(`${node.name} did not become ready (see its output above)`);
  }
}

const address = (node: { port: number }) => `127.0.0.1:${node.port}`;
const metricsAddress = (node: { metricsPort: number }) => `127.0.0.1:${node.metricsPort}`;

function exitOf(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    // A program that could not be started emits 'error' and never 'exit'.
    else proc.once('exit', () => resolve()).once('error', () => resolve());
  });
}

/** Signals and waits; kills if it takes longer than `withinMs`. */
async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals, withinMs: number): Promise<void> {
  // No pid: it never started.
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = exitOf(proc);
  proc.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), withinMs)));
  if (await Promise.race([exited.then(() => false), late])) proc.kill('SIGKILL');
  clearTimeout(timer);
  await exited;
}

async function poll(url: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** A Prometheus file_sd file: Prometheus watches it and picks up every rewrite. */
async function writeTargets(dir: string, job: string, targets: string[]): Promise<void> {
  const groups = targets.length > 0 ? [{ targets, labels: { cluster: 'local' } }] : [];
  await writeAtomically(join(dir, `${job}-targets.json`), JSON.stringify(groups, null, 2) + '\n');
}

/** Readers (Prometheus, tests) never see a half-written file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}
