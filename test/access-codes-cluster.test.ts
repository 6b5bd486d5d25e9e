import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../src/booking/payments.js';
import { bulkBuyers } from '../src/loadtest/buyers.js';
import { HttpClient, type Reply } from '../src/loadtest/http.js';
import { bookingViolations } from '../src/loadtest/invariants.js';
import { createSale } from '../src/loadtest/setup.js';
import { createPool, type Db } from '../src/platform/db.js';
import { modes, TEST_SECRET } from './harness.js';
import { hasRedisServer, startNode, startRedisServer, type TmomiNode } from './nodes.js';

/**
 * Access codes under real concurrency (issue 22, decision 027): two real Tmomi processes sharing one
 * PostgreSQL and one Redis (a private redis-server for this file), a code's uses raced over HTTP, and
 * the counts checked in the database afterwards.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every grade of createSale costs this; the codes below take 20 % off. */
const PRICE = 10_000;
const DISCOUNTED = 8_000;

describe.skipIf(!scaled || !hasRedisServer)('access codes on two nodes, one PostgreSQL, one Redis', () => {
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

  const admin$ = async (method: string, path: string, body?: object) => {
    const res = await client.request(nodes[0]!.base, method, path, adminAuth, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  /**
   * Each request names seats of its own, so that the only contest is for the code's uses: racing
   * best-available picks across two nodes may lose its seats four times over and answer
   * SEAT_UNAVAILABLE (seen once in CI), which is a fair answer but not what this file counts.
   */
  let nextSeat = 0;
  const vipSeats = (n: number) => Array.from({ length: n }, () => nextSeat++);
  /** One buyer's purchase through node `n`: two code-only seats with the code, then the checkout. */
  const purchase = async (perf: string, b: { headers: Record<string, string> }, code: string, n: number) => {
    const base = nodes[n % 2]!.base;
    const hold = await client.request(base, 'POST', `/api/performances/${perf}/holds`, b.headers, {
      seatNos: vipSeats(2),
      code,
    });
    if (hold.status !== 201) return hold;
    // The checkout on the other node: the use reserved by one node is kept by the other.
    return client.request(
      nodes[(n + 1) % 2]!.base,
      'POST',
      `/api/holds/${hold.body.holdId}/checkout`,
      { ...b.headers, 'idempotency-key': randomUUID() },
      { payment: { card: TEST_CARDS.succeeds } },
    );
  };
  const race = async (perf: string, code: string, buyers: number) => {
    const who = await bulkBuyers(db, buyers, TEST_SECRET);
    return tally(await Promise.all(who.map((b, i) => purchase(perf, b, code, i))));
  };

  it('when 100 buyers race for a 10-use code through two nodes, then exactly 10 buy, and refunds and expired holds give uses back; in SQL no seat is sold twice, uses = paid orders with the code, charged = discounted prices', async () => {
    const sale = await createSale(client, nodes[0]!.base, adminAuth, {
      title: 'Fan Club Presale',
      sections: [
        { name: 'V', grade: 'VIP', rows: 15, seatsPerRow: 40 }, // seats 0..599: 550 are named below
        { name: 'A', grade: 'R', rows: 5, seatsPerRow: 40 },
      ],
      performance: { holdTtlSeconds: 30 },
    });
    const perf = sale.performanceId;
    await admin$('PUT', `/api/admin/performances/${perf}/code-only-grades`, { grades: ['VIP'] });
    await admin$('POST', `/api/admin/performances/${perf}/codes`, {
      code: 'ARMY',
      maxUses: 10,
      percentOff: 20,
      grades: ['VIP'],
    });
    await sleep(100); // the other node hears of the hidden grade over pub/sub (and in 2 s at worst)

    const first = await race(perf, 'ARMY', 100);
    console.log(`100 buyers, a 10-use code: ${JSON.stringify(first)}`);
    expect(first).toEqual({ '201': 10, '422 CODE_INVALID': 90 });

    // Four whole refunds: four uses back, and the next race sells exactly four.
    const { rows: paid } = await db.query<{ id: string; user_id: string }>(
      `SELECT o.id::text, o.user_id::text FROM orders o WHERE o.performance_id = $1 AND o.status = 'paid' ORDER BY o.id LIMIT 4`,
      [perf],
    );
    for (const o of paid) await admin$('POST', `/api/admin/orders/${o.id}/refund`, { reason: 'Asked' });
    const second = await race(perf, 'ARMY', 100);
    console.log(`after 4 refunds, 100 more buyers: ${JSON.stringify(second)}`);
    expect(second).toEqual({ '201': 4, '422 CODE_INVALID': 96 });

    // Holds never paid for: the 5 uses of another code are taken by holds, which then expire (30 s).
    await admin$('POST', `/api/admin/performances/${perf}/codes`, {
      code: 'LATE',
      maxUses: 5,
      percentOff: 20,
      grades: ['VIP'],
    });
    const holders = await bulkBuyers(db, 50, TEST_SECRET);
    const held = await Promise.all(
      holders.map((b, i) =>
        client.request(nodes[i % 2]!.base, 'POST', `/api/performances/${perf}/holds`, b.headers, {
          seatNos: vipSeats(1),
          code: 'LATE',
        }),
      ),
    );
    expect(tally(held)).toEqual({ '201': 5, '422 CODE_INVALID': 45 });
    await sleep(31_500);
    const third = await race(perf, 'LATE', 50);
    console.log(`after the 5 holds expired, 50 buyers: ${JSON.stringify(third)}`);
    expect(third).toEqual({ '201': 5, '422 CODE_INVALID': 45 });
    await sleep(1_500); // a sweep, so that the expired holds are expired in the table too

    expect(await bookingViolations(db, perf)).toEqual([]);
    const { rows: codes } = await db.query(
      `SELECT c.code, c.max_uses AS "maxUses",
         (SELECT count(*) FROM holds x WHERE x.code_id = c.id AND ((x.state = 'active' AND x.expires_at > now())
            OR (x.state = 'ordered' AND EXISTS (SELECT 1 FROM orders o WHERE o.hold_id = x.id AND o.status = 'paid'))))::int AS uses,
         (SELECT count(*) FROM orders o JOIN holds h ON h.id = o.hold_id WHERE h.code_id = c.id AND o.status = 'paid')::int AS "paidOrders",
         (SELECT count(*) FROM orders o JOIN holds h ON h.id = o.hold_id WHERE h.code_id = c.id AND o.status = 'refunded')::int AS refunded,
         (SELECT count(*) FROM holds h WHERE h.code_id = c.id AND h.state = 'active')::int AS "activeHolds"
       FROM access_codes c WHERE c.performance_id = $1 ORDER BY c.code`,
      [perf],
    );
    expect(codes).toEqual([
      { code: 'ARMY', maxUses: 10, uses: 10, paidOrders: 10, refunded: 4, activeHolds: 0 },
      { code: 'LATE', maxUses: 5, uses: 5, paidOrders: 5, refunded: 0, activeHolds: 0 },
    ]);
    // What was charged is the discounted price of each ticket, and nothing else: every order with a code.
    const { rows: money } = await db.query(
      `SELECT count(*)::int AS orders,
         count(*) FILTER (WHERE o.amount <> (SELECT sum(p) FROM unnest(o.seat_prices) AS p))::int AS "amountOff",
         count(*) FILTER (WHERE pm.amount <> o.amount)::int AS "chargeOff",
         (SELECT array_agg(DISTINCT i.price) FROM issued_tickets i JOIN orders x ON x.id = i.order_id
            JOIN holds h ON h.id = x.hold_id WHERE x.performance_id = $1 AND h.code_id IS NOT NULL) AS prices,
         sum(pm.amount)::int AS charged
       FROM orders o JOIN holds h ON h.id = o.hold_id JOIN payments pm ON pm.order_id = o.id
       WHERE o.performance_id = $1 AND h.code_id IS NOT NULL`,
      [perf],
    );
    expect(money[0]).toEqual({
      orders: 19, // 10 + 4 + 5 paid, 4 of them refunded since
      amountOff: 0,
      chargeOff: 0,
      prices: [DISCOUNTED],
      charged: 19 * 2 * DISCOUNTED,
    });
    expect(DISCOUNTED).toBe(PRICE * 0.8);
    const refunds = await db.query(
      `SELECT coalesce(sum(r.amount), 0)::int AS back FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.performance_id = $1`,
      [perf],
    );
    expect(refunds.rows[0].back).toBe(4 * 2 * DISCOUNTED);
    // No seat of the code-only grade was sold without a code.
    const open = await db.query(
      `SELECT count(*)::int AS n FROM orders o JOIN holds h ON h.id = o.hold_id WHERE o.performance_id = $1 AND h.code_id IS NULL`,
      [perf],
    );
    expect(open.rows[0].n).toBe(0);
  }, 120_000);
});

/** Replies by status and error code, e.g. {"201": 10, "422 CODE_INVALID": 90}. */
function tally(replies: Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${r.body?.error?.code ?? ''}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
