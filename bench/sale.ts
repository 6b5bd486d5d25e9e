/**
 * bench/sale — a whole flash sale (join → wait on SSE or poll → admitted → hold → pay) run by the load
 * tool of `tmomi loadtest`, and what the balancer costs it: the same sale straight to one node and
 * through HAProxy in front of that same node, in one run; then, with `--nodes N`, the sale through
 * HAProxy in front of N nodes. The figures are ratios to the straight run.
 *
 *   npm run bench:sale                                  # 5,000 buyers for 1,500 seats, then 3 nodes
 *   npm run bench:sale -- --buyers 20000 --seats 5000   # the size of the cluster test
 *   npm run bench:sale -- --nodes 1                     # only the balancer's cost
 *
 * Needs haproxy, DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and REDIS_URL
 * (default redis://127.0.0.1:6379); creates a database of its own and drops it.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { HttpClient } from '../src/loadtest/http.js';
import { bookingViolations } from '../src/loadtest/invariants.js';
import { admissionViolations, reasons } from '../src/loadtest/report.js';
import type { SaleReport } from '../src/loadtest/run.js';
import { runSale } from '../src/loadtest/sale.js';
import { createSale, login } from '../src/loadtest/setup.js';
import { createPool } from '../src/platform/db.js';
import { startCluster, type TestCluster } from '../test/nodes.js';
import { createScratchDatabase } from '../test/scratch-database.js';
import { BENCH_ADMIN } from './common.js';

const { values } = parseArgs({
  options: {
    buyers: { type: 'string', default: '5000' },
    seats: { type: 'string', default: '1500' },
    nodes: { type: 'string', default: '3' },
    streams: { type: 'string', default: '2000' },
    'admit-per-second': { type: 'string', default: '400' },
    seconds: { type: 'string', default: '240' },
  },
});
const BUYERS = Number(values.buyers);
const SEATS = Number(values.seats);
const NODES = Number(values.nodes);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomUUID() + randomUUID();

const scratch = await createScratchDatabase(serverUrl, `tmomi_bench_sale_${Date.now().toString(36)}`);
const db = createPool(scratch.url, { max: 4 });
const clusters: TestCluster[] = [];
const startOne = async (nodes: number) => {
  const cluster = await startCluster(nodes, {
    DATABASE_URL: scratch.url,
    REDIS_URL: redisUrl,
    TMOMI_REDIS_PREFIX: `bench-sale-${randomUUID().slice(0, 8)}:`,
    TMOMI_SECRET: secret,
    TMOMI_ADMIN_EMAIL: BENCH_ADMIN.email,
    TMOMI_ADMIN_PASSWORD: BENCH_ADMIN.password,
    TMOMI_PAYMENT_LATENCY_MS: '20',
    LOG_LEVEL: 'error',
  });
  clusters.push(cluster);
  return cluster;
};

interface Run {
  name: string;
  report: SaleReport;
  problems: string[];
}

/** One sale of its own (a fresh performance and fresh buyers) against `base`. */
async function sale(name: string, base: string): Promise<Run> {
  const client = new HttpClient(256);
  const purchases = new HttpClient(256);
  try {
    const sale = await createSale(client, base, await login(client, base, BENCH_ADMIN), {
      title: `Bench sale ${name}`,
      sections: [
        { name: 'Floor', grade: 'R', rows: Math.ceil(SEATS / 50), seatsPerRow: Math.min(SEATS, 50) },
      ],
      performance: {
        holdTtlSeconds: 60,
        maxTicketsPerUser: 4,
        queue: { admitPerSecond: Number(values['admit-per-second']), maxActive: 1_000, passTtlSeconds: 120 },
      },
    });
    const buyers = await bulkBuyers(db, BUYERS, secret);
    process.stderr.write(`${name}: ${BUYERS} buyers for ${sale.seatCount} seats…\n`);
    const report = await runSale({
      client,
      purchases,
      base,
      performanceId: sale.performanceId,
      buyers,
      grade: 'R',
      maxQuantity: 2,
      streams: Number(values.streams),
      deadline: Date.now() + Number(values.seconds) * 1000,
    });
    const problems = [
      ...admissionViolations(report.buyers),
      ...(await bookingViolations(db, sale.performanceId)),
    ];
    const failed = Object.entries(reasons(report.buyers)).filter(([why]) => /^(failed|timed-out)/.test(why));
    if (failed.length > 0) process.stderr.write(`${name}: ${JSON.stringify(Object.fromEntries(failed))}\n`);
    return { name, report, problems };
  } finally {
    client.close();
    purchases.close();
  }
}

try {
  const runs: Run[] = [];
  const one = await startOne(1);
  runs.push(await sale('straight to one node', one.nodeUrl(one.state.nodes[0]!.name)));
  runs.push(await sale('through HAProxy, the same node', one.balancer));
  if (NODES > 1) {
    const many = await startOne(NODES);
    runs.push(await sale(`through HAProxy, ${NODES} nodes`, many.balancer));
  }

  const base = runs[0]!.report;
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  console.log(
    `\n${BUYERS.toLocaleString('en')} buyers for ${SEATS.toLocaleString('en')} seats, up to ${values.streams} on event streams; ` +
      `ratios against the straight run\n`,
  );
  console.log(
    '| run | sale took | joins/s | admissions/s | orders/s | hold p50 / p99 | checkout p50 / p99 | outcomes | invariants |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, report: r, problems } of runs) {
    console.log(
      `| ${name} | ${(r.elapsedMs / 1000).toFixed(1)} s (${ratio(r.elapsedMs, base.elapsedMs)}) ` +
        `| ${Math.round(r.joinsPerSecond)} (${ratio(r.joinsPerSecond, base.joinsPerSecond)}) ` +
        `| ${Math.round(r.admissionsPerSecond)} (${ratio(r.admissionsPerSecond, base.admissionsPerSecond)}) ` +
        `| ${Math.round(r.ordersPerSecond)} (${ratio(r.ordersPerSecond, base.ordersPerSecond)}) ` +
        `| ${r.latency.hold.p50} / ${r.latency.hold.p99} ms | ${r.latency.checkout.p50} / ${r.latency.checkout.p99} ms ` +
        `| ${r.outcomes.bought} bought, ${r.outcomes['sold-out'] + r.outcomes.closed} sold out, ` +
        `${r.outcomes.failed + r.outcomes['timed-out']} failed | ${problems.length === 0 ? 'all hold' : problems.join('; ')} |`,
    );
  }
} finally {
  for (const cluster of clusters) await cluster.destroy();
  await db.end();
  await scratch.drop();
}
