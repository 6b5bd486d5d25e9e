/**
 * bench/balancer — what going through HAProxy costs: the same node measured straight and through the
 * balancer of `tmomi cluster --nodes 1`, in the same run, with the same load tool (autocannon).
 *
 *   npm run bench:balancer                   # 50 connections, 10 s per measurement
 *   npm run bench:balancer -- --seconds 5
 *
 * Needs haproxy, DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and REDIS_URL
 * (default redis://127.0.0.1:6379); creates a database of its own and drops it.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { ClusterState } from '../src/ops/cluster.js';
import { freePort } from '../src/platform/net.js';
import { createScratchDatabase } from '../test/scratch-database.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_lb_${Date.now().toString(36)}`);
const dir = await mkdtemp(join(tmpdir(), 'tmomi-bench-lb-'));
const cluster = spawn(
  process.execPath,
  [
    ...['--import', 'tsx', 'src/cli.ts', 'cluster', '--nodes', '1', '--dir', dir, '--lifetime', '900'],
    ...['--port', String(await freePort()), '--stats-port', String(await freePort())],
  ],
  {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: scratch.url,
      REDIS_URL: redisUrl,
      TMOMI_REDIS_PREFIX: `bench-lb-${randomUUID().slice(0, 8)}:`,
      TMOMI_SECRET: randomUUID() + randomUUID(),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
try {
  let state: ClusterState | undefined;
  for (let waited = 0; !state && waited < 120_000; waited += 250) {
    const text = await readFile(join(dir, 'cluster.json'), 'utf8').catch(() => '');
    if (text) state = JSON.parse(text) as ClusterState;
    else await sleep(250);
  }
  if (!state) throw new Error('tmomi cluster did not start');
  const direct = `http://127.0.0.1:${state.nodes[0]!.port}`;
  const rows: string[] = [];
  for (const path of ['/healthz', '/api/events?q=tour']) {
    const straight = await measure(`${direct}${path}`);
    const through = await measure(`${state.balancer}${path}`);
    rows.push(
      `| \`GET ${path}\` | ${fmt(straight)} | ${fmt(through)} | ${(through.requests.average / straight.requests.average).toFixed(2)}× |`,
    );
  }
  console.log('\n| request | straight to the node | through HAProxy | ratio |\n| --- | --- | --- | --- |');
  console.log(rows.join('\n'));
} finally {
  cluster.kill('SIGTERM');
  await new Promise((resolve) => cluster.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
  await scratch.drop();
}

function measure(url: string): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: Number(values.connections),
    duration: Number(values.seconds),
  });
}

function fmt(r: autocannon.Result): string {
  const errors = r.errors + r.non2xx;
  return `${Math.round(r.requests.average).toLocaleString('en')} r/s (p50 ${r.latency.p50}, p99 ${r.latency.p99} ms)${errors ? `, ${errors} errors` : ''}`;
}
