import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../src/booking/payments.js';
import { decodeBitset, isFree } from '../src/contract/bitset.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { HttpClient, type Reply } from '../src/loadtest/http.js';
import { bookingViolations, ticketCounts } from '../src/loadtest/invariants.js';
import { createPool, type Db } from '../src/platform/db.js';
import { modes, TEST_SECRET } from './harness.js';
import { hasRedisServer, startNode, startRedisServer, type TmomiNode } from './nodes.js';
import { stadium } from './venues.js';

/**
 * Standing areas and blocked seats under real concurrency (issue 20, decision 033): two real Tmomi
 * processes sharing one PostgreSQL and one Redis (a private redis-server for this file), a 500-place
 * standing floor raced by 2,000 buyers over both nodes while others ask for blocked seats by name and
 * best available, and the sale checked in SQL afterwards.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Section A: 20 rows of 25 (seats 0-499), its first row's first five blocked in the layout; Floor: 500-999. */
const venue = {
  name: 'Cluster Hall',
  version: 2,
  stage: { x: 0, y: -5, width: 20, height: 4 },
  sections: [
    {
      name: 'A',
      grade: 'R',
      x: 0,
      y: 0,
      rows: Array.from({ length: 20 }, (_, k) => ({
        label: String(k + 1),
        seats: 25,
        ...(k === 0 ? { blocked: [1, 2, 3, 4, 5] } : {}),
      })),
    },
  ],
  standing: [{ name: 'Floor', grade: 'GA', capacity: 500, x: 0, y: 35, width: 30, height: 20 }],
};
const FLOOR = { from: 500, to: 1000 };
const LAYOUT_BLOCKED = [0, 1, 2, 3, 4];
/** Row 10's first twenty seats, blocked by the organizer for this performance. */
const PERFORMANCE_BLOCKED = Array.from({ length: 20 }, (_, i) => 9 * 25 + i);
const BLOCKED = [...LAYOUT_BLOCKED, ...PERFORMANCE_BLOCKED];

describe.skipIf(!scaled || !hasRedisServer)('standing areas and blocked seats on two nodes', () => {
  let redis: { url: string; stop(): void } | undefined;
  let db: Db;
  const nodes: TmomiNode[] = [];
  const client = new HttpClient(256);
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'cluster-admin-pw' };
  let adminAuth: Record<string, string> = {};

  beforeAll(async () => {
    const server = await startRedisServer();
    redis = server;
    const redisUrl = server.url;
    db = createPool(scaled!.databaseUrl, { max: 4 });
    const env = {
      DATABASE_URL: scaled!.databaseUrl,
      REDIS_URL: redisUrl,
      TMOMI_ADMIN_EMAIL: admin.email,
      TMOMI_ADMIN_PASSWORD: admin.password,
      TMOMI_PAYMENT_LATENCY_MS: '2',
    };
    nodes.push(...(await Promise.all([startNode(env), startNode(env)])));
    const login = await client.request(nodes[0]!.base, 'POST', '/api/auth/login', {}, admin);
    adminAuth = { authorization: `Bearer ${login.body.accessToken}` };
  }, 60_000);

  afterAll(async () => {
    client.close();
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await db?.end();
    redis?.stop();
  });

  const admin$ = async (method: string, path: string, body?: object, node = 0) => {
    const res = await client.request(nodes[node]!.base, method, path, adminAuth, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };

  /** A performance on sale now at `venue`, tickets generated. */
  const onSale = async () => {
    const v = await admin$('POST', '/api/admin/venues', venue);
    const e = await admin$('POST', '/api/admin/events', {
      title: 'Floor Rush',
      category: 'concert',
      venueId: v.id,
      prices: [
        { grade: 'R', amount: 80_000 },
        { grade: 'GA', amount: 50_000 },
      ],
    });
    const now = Date.now();
    const p = await admin$('POST', `/api/admin/events/${e.id}/performances`, {
      startsAt: new Date(now + 48 * 3600_000).toISOString(),
      salesOpenAt: new Date(now - 60_000).toISOString(),
      salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
      queue: { enabled: false },
      maxTicketsPerUser: 4,
    });
    for (
      let waited = 0;
      (await admin$('GET', `/api/admin/jobs/${p.jobId}`)).state !== 'done';
      waited += 100
    ) {
      if (waited > 60_000) throw new Error('ticket generation did not finish');
      await sleep(100);
    }
    return p.id as string;
  };

  it('when 2,000 buyers race for a 500-place standing floor through two nodes, then exactly 500 buy; blocked seats are never held, by name or best available; in SQL no place is sold twice and the counts add up', async () => {
    const perf = await onSale();
    // Blocked for this performance on the other node: the first node hears of it over pub/sub.
    await admin$(
      'POST',
      `/api/admin/performances/${perf}/blocked-seats`,
      { seatNos: PERFORMANCE_BLOCKED },
      1,
    );
    await sleep(200);

    const [floorBuyers, namers, bestBuyers] = await Promise.all([
      bulkBuyers(db, 2_000, TEST_SECRET),
      bulkBuyers(db, 200, TEST_SECRET),
      bulkBuyers(db, 300, TEST_SECRET),
    ]);
    const holdOn = (n: number, headers: Record<string, string>, body: object) =>
      client.request(nodes[n % 2]!.base, 'POST', `/api/performances/${perf}/holds`, headers, body);
    /** A place on the floor through node n, paid for through the other node. */
    const floorPurchase = async (b: { headers: Record<string, string> }, n: number) => {
      const hold = await holdOn(n, b.headers, { area: 'Floor', quantity: 1 });
      if (hold.status !== 201) return { hold, paid: undefined };
      const paid = await client.request(
        nodes[(n + 1) % 2]!.base,
        'POST',
        `/api/holds/${hold.body.holdId}/checkout`,
        { ...b.headers, 'idempotency-key': randomUUID() },
        { payment: { card: TEST_CARDS.succeeds } },
      );
      return { hold, paid };
    };

    const started = performance.now();
    const [floor, named, best] = await Promise.all([
      Promise.all(floorBuyers.map((b, i) => floorPurchase(b, i))),
      Promise.all(namers.map((b, i) => holdOn(i, b.headers, { seatNos: [BLOCKED[i % BLOCKED.length]!] }))),
      Promise.all(bestBuyers.map((b, i) => holdOn(i, b.headers, { grade: 'R', quantity: 2 }))),
    ]);
    const took = performance.now() - started;
    const holds = tally(floor.map((f) => f.hold));
    const paid = tally(floor.flatMap((f) => (f.paid ? [f.paid] : [])));
    console.log(
      `2,000 buyers for 500 standing places, 200 asking for blocked seats, 300 best available, over two nodes in ` +
        `${(took / 1000).toFixed(1)} s: floor holds ${JSON.stringify(holds)}, checkouts ${JSON.stringify(paid)}, ` +
        `blocked by name ${JSON.stringify(tally(named))}, best available ${JSON.stringify(tally(best))}`,
    );
    expect(holds).toEqual({ '201': 500, '409 SEAT_UNAVAILABLE': 1_500 });
    expect(paid).toEqual({ '201': 500 });
    expect(tally(named)).toEqual({ '409 SEAT_UNAVAILABLE': 200 });
    const bestSeats = best.flatMap((r) => (r.status === 201 ? (r.body.seatNos as number[]) : []));
    expect(bestSeats.filter((s) => BLOCKED.includes(s))).toEqual([]);
    expect(new Set(bestSeats).size).toBe(bestSeats.length);

    // In SQL: no place sold twice, exactly 500 of the floor sold, no hold ever named a blocked seat.
    expect(await bookingViolations(db, perf)).toEqual([]);
    const { rows } = await db.query(
      `SELECT
         (SELECT count(*)::int FROM tickets WHERE performance_id = $1 AND seat_no >= $2 AND seat_no < $3 AND status = 2) AS "floorSold",
         (SELECT count(DISTINCT s)::int FROM orders, unnest(seat_nos) AS s
          WHERE performance_id = $1 AND status = 'paid' AND s >= $2 AND s < $3) AS "floorInOrders",
         (SELECT coalesce(sum(cardinality(seat_nos)), 0)::int FROM orders
          WHERE performance_id = $1 AND status = 'paid' AND seat_nos[1] >= $2) AS "floorOrderPlaces",
         (SELECT count(*)::int FROM holds, unnest(seat_nos) AS s WHERE performance_id = $1 AND s = ANY ($4)) AS "heldBlocked",
         (SELECT count(*)::int FROM tickets WHERE performance_id = $1 AND status = 3 AND seat_no = ANY ($4)) AS "stillBlocked"`,
      [perf, FLOOR.from, FLOOR.to, BLOCKED],
    );
    expect(rows[0]).toEqual({
      floorSold: 500,
      floorInOrders: 500,
      floorOrderPlaces: 500,
      heldBlocked: 0,
      stillBlocked: BLOCKED.length,
    });
    const counts = await ticketCounts(db, perf);
    expect(counts.available + counts.held + counts.sold + counts.blocked).toBe(1_000);
    expect(counts.blocked).toBe(BLOCKED.length);

    // Every node's picture agrees: the blocked seats and the sold floor are not free, and nothing is left there.
    for (const node of nodes) {
      const map = await client.request(node.base, 'GET', `/api/performances/${perf}/availability`);
      const bits = decodeBitset(map.body.available);
      expect(BLOCKED.filter((s) => isFree(bits, s))).toEqual([]);
      const page = await client.request(node.base, 'GET', `/api/performances/${perf}`);
      expect(page.body.seatsLeft.sections.find((s: { name: string }) => s.name === 'Floor')).toMatchObject({
        left: 0,
        seats: 500,
      });
    }
  }, 180_000);

  it('when a 100,000-place stadium is read over HTTP, then its seat map is a few hundred kilobytes, served from memory', async () => {
    const started = performance.now();
    const v = await admin$('POST', '/api/admin/venues', stadium());
    const created = performance.now() - started;
    const read = async (node: TmomiNode, headers: Record<string, string> = {}) => {
      const t0 = performance.now();
      const res = await fetch(`${node.base}/api/venues/${v.id}/seats`, { headers });
      const body = await res.text();
      return { res, body, ms: performance.now() - t0 };
    };
    const cold = await read(nodes[1]!);
    const warm = await read(nodes[1]!);
    const revalidated = await read(nodes[0]!, { 'if-none-match': cold.res.headers.get('etag')! });
    console.log(
      `a 100,000-place stadium: created in ${created.toFixed(0)} ms; GET …/seats ${cold.body.length} bytes ` +
        `(${(cold.body.length / 1024).toFixed(0)} KiB), ${cold.ms.toFixed(1)} ms the first time on a node, ` +
        `${warm.ms.toFixed(1)} ms after, a revalidation on the other node ${revalidated.res.status} in ${revalidated.ms.toFixed(1)} ms`,
    );
    expect(cold.res.status).toBe(200);
    expect(warm.body).toBe(cold.body);
    expect(revalidated.res.status).toBe(304);
    expect(cold.body.length).toBeLessThan(400_000);
    expect(JSON.parse(cold.body).seatCount).toBe(100_000);
  }, 60_000);
});

/** Replies by status and error code, e.g. {"201": 500, "409 SEAT_UNAVAILABLE": 1500}. */
function tally(replies: Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${r.body?.error?.code ?? ''}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
