import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
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

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of any endpoint
}

/**
 * A keep-alive HTTP client with a bounded pool per client: thousands of requests can be outstanding at
 * once (queued in the pool) without opening thousands of sockets. Used by tests and benchmarks.
 */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(maxSockets = 128) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(
    base: string,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${base}${path}`,
        {
          method,
          agent: this.agent,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json') && text) parsed = JSON.parse(text);
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
