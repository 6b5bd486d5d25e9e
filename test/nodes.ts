import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../src/platform/net.js';
import { TEST_SECRET } from './harness.js';

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
