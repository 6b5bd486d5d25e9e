import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { HttpClient } from '../src/loadtest/http.js';
import { bookingViolations, ticketCounts } from '../src/loadtest/invariants.js';
import { admissionViolations, type BuyerRecord } from '../src/loadtest/report.js';
import type { SaleReport } from '../src/loadtest/run.js';
import { runSale } from '../src/loadtest/sale.js';
import { createSale, login } from '../src/loadtest/setup.js';
import { createPool, type Db } from '../src/platform/db.js';
import { modes, TEST_SECRET } from './harness.js';
import { deleteKeysUnder } from './redis-keys.js';
import {
  HAPROXY_MISSING,
  hasHaproxy,
  signalQuietly,
  startCluster,
  startNode,
  type TestCluster,
  type TmomiNode,
} from './nodes.js';

/**
 * The flash sale the product exists for, on this machine: three real nodes behind HAProxy, one
 * PostgreSQL, one Redis, 20,000 buyers for a 5,000-seat performance through the balancer — joining at
 * once, waiting on event streams (or polling), admitted by the leader's ticker, holding best-available
 * seats with their queue pass and paying. In the middle the admitting node gets SIGTERM (drain), and a
 * while later the next one is killed with -9. At the end every seat is sold exactly once, to buyers
 * admitted once each in arrival order, every paid order has its tickets, and the streams the drained
 * node gave up finished the sale on the others.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const haproxy = await hasHaproxy();
const BUYERS = 20_000;
const ROWS = 100;
const SEATS_PER_ROW = 50; // 5,000 seats
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!scaled)('a flash sale through the balancer', () => {
  let cluster: TestCluster | undefined;
  let db: Db;
  const client = new HttpClient(256);
  const purchases = new HttpClient(256);
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'sale-admin-password' };

  beforeAll(async () => {
    if (!haproxy) return;
    db = createPool(scaled!.databaseUrl, { max: 4 });
    cluster = await startCluster(3, {
      DATABASE_URL: scaled!.databaseUrl,
      REDIS_URL: scaled!.redisUrl!,
      TMOMI_REDIS_PREFIX: `sale-${randomUUID().slice(0, 8)}:`,
      TMOMI_ADMIN_EMAIL: admin.email,
      TMOMI_ADMIN_PASSWORD: admin.password,
      TMOMI_PAYMENT_LATENCY_MS: '20',
    });
  }, 150_000);

  afterAll(async () => {
    client.close();
    purchases.close();
    await cluster?.destroy();
    await db?.end();
  });

  it('when 20,000 buyers go for 5,000 seats while one node drains and another is killed, then every seat is sold once, in queue order, and nobody is lost', async (ctx) => {
    if (!haproxy) return ctx.skip(HAPROXY_MISSING);
    const { balancer } = cluster!;
    const adminAuth = await login(client, balancer, admin);
    const sale = await createSale(client, balancer, adminAuth, {
      title: 'Stadium Flash Sale',
      sections: [{ name: 'Floor', grade: 'R', rows: ROWS, seatsPerRow: SEATS_PER_ROW }],
      performance: {
        holdTtlSeconds: 60,
        maxTicketsPerUser: 4,
        queue: { admitPerSecond: 400, maxActive: 1_000, passTtlSeconds: 120 },
      },
    });
    expect(sale.seatCount).toBe(ROWS * SEATS_PER_ROW);
    const buyers = await bulkBuyers(db, BUYERS, TEST_SECRET);

    // The disturbances, driven by the sale's own progress: drain the admitting node once a fifth of
    // the seats are sold, kill the next admitting node once half are.
    const names = cluster!.state.nodes.map((n) => n.name);
    const faults: { drained?: string; killed?: string; drainedAt?: number; killedAt?: number } = {};
    let injecting = false;
    const inject = async (seats: number) => {
      if (injecting) return;
      injecting = true;
      try {
        if (!faults.drained && seats >= sale.seatCount * 0.2) {
          faults.drained = (await cluster!.leaderAmong(names)) ?? names[0]!;
          faults.drainedAt = Date.now();
          signalQuietly(cluster!.pidOf(faults.drained), 'SIGTERM');
        } else if (faults.drained && !faults.killed && seats >= sale.seatCount * 0.5) {
          const survivors = names.filter((n) => n !== faults.drained);
          faults.killed = (await cluster!.leaderAmong(survivors)) ?? survivors[0]!;
          faults.killedAt = Date.now();
          signalQuietly(cluster!.pidOf(faults.killed), 'SIGKILL');
        }
      } finally {
        injecting = false;
      }
    };

    const report: SaleReport = await runSale({
      client,
      purchases,
      base: balancer,
      performanceId: sale.performanceId,
      buyers,
      grade: 'R',
      maxQuantity: 2,
      // Streams for a quarter of the buyers, the rest poll: this process has one file limit for all.
      streams: 5_000,
      deadline: Date.now() + 300_000,
      onProgress: (p) => {
        void inject(p.seats);
        if (Math.round(p.elapsedMs / 1000) % 10 === 0) {
          console.log(
            `${Math.round(p.elapsedMs / 1000)} s: joined ${p.joined}, streaming ${p.streaming}, admitted ${p.admitted}, ` +
              `seats ${p.seats}, done ${p.finished}, retries ${p.errors}`,
          );
        }
      },
    });
    // Let the last moments settle: a drained node's exit, holds expiring elsewhere are not ours.
    await sleep(200);

    const counts = await ticketCounts(db, sale.performanceId);
    const streamed = report.buyers.flatMap((b) => b.connections);
    console.log(
      [
        `sale of ${sale.seatCount} seats to ${BUYERS} buyers through 3 nodes in ${(report.elapsedMs / 1000).toFixed(1)} s`,
        `drained ${faults.drained}, killed ${faults.killed}`,
        `joins ${Math.round(report.joinsPerSecond)}/s, admissions ${Math.round(report.admissionsPerSecond)}/s, ` +
          `orders ${Math.round(report.ordersPerSecond)}/s`,
        `join p50 ${report.latency.join.p50} p99 ${report.latency.join.p99} ms; hold p50 ${report.latency.hold.p50} ` +
          `p99 ${report.latency.hold.p99} ms; checkout p50 ${report.latency.checkout.p50} p99 ${report.latency.checkout.p99} ms`,
        `outcomes ${JSON.stringify(report.outcomes)}; retried ${JSON.stringify(report.errors)}`,
        `streams ${streamed.length}, by end: ${JSON.stringify(tally(streamed.map((c) => `${c.node} ${c.end}`)))}`,
        `tickets ${JSON.stringify(counts)}`,
        // Where the sale's tail went: the trails of the last three purchases, and of the last three
        // buyers to end (each trail ends with `+Ns end <outcome>`).
        ...lastToEnd(report.buyers.filter((b) => b.outcome === 'bought')).map(
          (b) => `last buyers: ${b.trail.join(' · ')}`,
        ),
        ...lastToEnd(report.buyers).map((b) => `last to end: ${b.trail.join(' · ')}`),
      ].join('\n'),
    );

    // Both faults happened mid-sale.
    expect(faults.drained).toBeDefined();
    expect(faults.killed).toBeDefined();

    // Every buyer reached an end: a purchase, or a clear sold out / closed.
    expect(
      report.outcomes.failed,
      JSON.stringify(report.buyers.filter((b) => b.outcome === 'failed').slice(0, 5)),
    ).toBe(0);
    expect(report.outcomes['timed-out']).toBe(0);
    expect(report.outcomes.bought).toBeGreaterThan(0);

    // Every seat sold exactly once: PostgreSQL's invariants, and what the buyers were told matches it.
    expect(counts).toEqual({ available: 0, held: 0, sold: sale.seatCount, blocked: 0 });
    expect(await bookingViolations(db, sale.performanceId)).toEqual([]);
    const seatsBought = report.buyers.flatMap((b) => b.seats);
    expect(seatsBought.length).toBe(sale.seatCount);
    expect(new Set(seatsBought).size).toBe(sale.seatCount);
    const { rows: paid } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders WHERE performance_id = $1 AND status = 'paid'`,
      [sale.performanceId],
    );
    expect(paid[0]!.n).toBe(report.buyers.reduce((n, b) => n + b.orderIds.length, 0));

    // Nobody admitted twice, admission in arrival order.
    expect(admissionViolations(report.buyers)).toEqual([]);

    // The drained node told its streams to reconnect, and those buyers finished on the other nodes.
    const drainedBuyers = report.buyers.filter((b) =>
      b.connections.some((c) => c.node === faults.drained && c.end === 'reconnect'),
    );
    expect(drainedBuyers.length).toBeGreaterThan(0);
    for (const buyer of drainedBuyers) {
      expect(['bought', 'sold-out', 'closed']).toContain(buyer.outcome);
      const after = buyer.connections.slice(buyer.connections.findIndex((c) => c.end === 'reconnect') + 1);
      expect(after.filter((c) => c.node === faults.drained)).toEqual([]);
    }
    // A client never saw an internal error from a node (a balancer's 502/503 while a node goes away is
    // retried by the client and counted above).
    expect(Object.keys(report.errors).filter((k) => / 500/.test(k))).toEqual([]);
    expect(cluster!.log()).toMatch(new RegExp(`"node":"${faults.drained}","code":0,`));
  }, 420_000);
});

/** The three buyers whose trails end last (the `end` step's moment). */
function lastToEnd(buyers: BuyerRecord[]): BuyerRecord[] {
  const endOf = (b: BuyerRecord) => Number(/^\+([\d.]+)s end /.exec(b.trail.at(-1) ?? '')?.[1] ?? 0);
  return [...buyers].sort((x, y) => endOf(y) - endOf(x)).slice(0, 3);
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

describe.skipIf(!scaled)('tmomi loadtest', () => {
  let node: TmomiNode | undefined;
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'loadtest-admin-pw' };
  const redisPrefix = `loadtest-${randomUUID().slice(0, 8)}:`;
  const env = () => ({
    DATABASE_URL: scaled!.databaseUrl,
    REDIS_URL: scaled!.redisUrl!,
    TMOMI_REDIS_PREFIX: redisPrefix,
    TMOMI_ADMIN_EMAIL: admin.email,
    TMOMI_ADMIN_PASSWORD: admin.password,
  });
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await deleteKeysUnder(scaled!.redisUrl!, redisPrefix);
  });

  it('when run against a node, then it sets up a sale, sells it out, prints the summary and the invariants hold', async () => {
    node = await startNode(env());
    const args = [
      ...[
        '--import',
        'tsx',
        'src/cli.ts',
        'loadtest',
        '--base',
        node.base,
        '--buyers',
        '400',
        '--seats',
        '150',
      ],
      ...['--streams', '100', '--seconds', '120', '--admit-per-second', '100', '--max-active', '100'],
    ];
    const run = spawnSync(process.execPath, args, {
      env: { PATH: process.env.PATH, TMOMI_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', ...env() },
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^sale: performance \d+, 150 seats$/m);
    expect(run.stdout).toMatch(
      /^joins [\d,]+\/s · admissions [\d,]+\/s · orders [\d,]+\/s · 150 seats bought$/m,
    );
    expect(run.stdout).toMatch(/^join p50 \d+ ms p99 \d+ ms/m);
    expect(run.stdout).toContain('tickets: {"available":0,"held":0,"sold":150,"blocked":0}');
    expect(run.stdout).toMatch(/^invariants: all hold$/m);
  }, 180_000);

  it('when given a bad option, then it says which and exits 2 without touching anything', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'loadtest', '--buyers', '-3'], {
      env: { PATH: process.env.PATH, TMOMI_SECRET: TEST_SECRET, DATABASE_URL: scaled!.databaseUrl },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--buyers');
  });
});
