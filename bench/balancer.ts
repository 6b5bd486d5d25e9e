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
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startCluster } from '../test/nodes.js';
import { createScratchDatabase } from '../test/scratch-database.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_lb_${Date.now().toString(36)}`);
const cluster = await startCluster(1, {
  DATABASE_URL: scratch.url,
  REDIS_URL: redisUrl,
  TMOMI_REDIS_PREFIX: `bench-lb-${randomUUID().slice(0, 8)}:`,
  TMOMI_SECRET: randomUUID() + randomUUID(),
});
try {
  const direct = cluster.nodeUrl(cluster.state.nodes[0]!.name);
  const rows: string[] = [];
  for (const path of ['/healthz', '/api/events?q=tour']) {
    const straight = await measure(`${direct}${path}`);
    const through = await measure(`${cluster.balancer}${path}`);
    rows.push(
      `| \`GET ${path}\` | ${fmt(straight)} | ${fmt(through)} | ${(through.requests.average / straight.requests.average).toFixed(2)}× |`,
    );
  }
  console.log('\n| request | straight to the node | through HAProxy | ratio |\n| --- | --- | --- | --- |');
  console.log(rows.join('\n'));
} finally {
  await cluster.destroy();
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
