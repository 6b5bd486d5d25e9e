import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes } from './harness.js';
import { startNode, type TmomiNode } from './nodes.js';
import { deleteKeysUnder } from './redis-keys.js';
import { verifyDraw } from './verify-draw.js';

/**
 * A fifo room's pre-queue drawn at the opening (decision 031) on two real Tmomi processes sharing one
 * PostgreSQL and one Redis: pre-queue joins through both nodes, more joins racing the opening instant
 * through both, then one draw, everyone who joined the pre-queue in it once and let in in its order,
 * everyone else after them, nobody twice or lost, and the repository's script checking the draw from
 * what the nodes published.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!scaled)('the pre-queue drawn on two nodes, one PostgreSQL, one Redis', () => {
  const nodes: TmomiNode[] = [];
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'cluster-admin-pw' };
  const redisPrefix = `prequeue-draw-${randomUUID().slice(0, 8)}:`;
  const buyers: { id: string; token: string }[] = [];
  let adminToken = '';
  let eventId = '';

  const call = async (node: TmomiNode, method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${node.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const env = {
      DATABASE_URL: scaled!.databaseUrl,
      REDIS_URL: scaled!.redisUrl!,
      TMOMI_REDIS_PREFIX: redisPrefix,
      TMOMI_ADMIN_EMAIL: admin.email,
      TMOMI_ADMIN_PASSWORD: admin.password,
    };
    nodes.push(...(await Promise.all([startNode(env), startNode(env)])));
    const a = nodes[0]!;
    adminToken = (await call(a, 'POST', '/api/auth/login', undefined, admin)).body.accessToken as string;
    const venue = await call(a, 'POST', '/api/admin/venues', adminToken, {
      name: 'Hall',
      sections: [{ name: 'A', grade: 'R', rows: 5, seatsPerRow: 10 }],
    });
    const event = await call(a, 'POST', '/api/admin/events', adminToken, {
      title: 'Pre-queue draw',
      category: 'test',
      venueId: venue.body.id,
      prices: [{ grade: 'R', amount: 1 }],
    });
    eventId = event.body.id as string;
    for (let group = 0; group < 7; group++) {
      const signedUp = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(nodes[i % 2]!, 'POST', '/api/auth/signup', undefined, {
            email: `b-${randomUUID()}@example.com`,
            password: 'plum-cactus-orbit-42',
            name: 'B',
          }),
        ),
      );
      for (const { body } of signedUp) {
        buyers.push({ id: (body.user as { id: string }).id, token: body.accessToken as string });
      }
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await deleteKeysUnder(scaled!.redisUrl!, redisPrefix);
  });

  it('when buyers pre-queue through both nodes and more joins race the opening, then one draw holds each pre-queued buyer once, they are let in in its order before everyone else, and the script verifies it', async () => {
    const now = Date.now();
    const opensAt = now + 8_000;
    const created = await call(nodes[1]!, 'POST', `/api/admin/events/${eventId}/performances`, adminToken, {
      startsAt: new Date(now + 7200_000).toISOString(),
      salesOpenAt: new Date(opensAt).toISOString(),
      salesCloseAt: new Date(now + 3600_000).toISOString(),
      queue: { prequeueMinutes: 10, admitPerSecond: 10, maxActive: 1000 },
    });
    expect(created.status).toBe(201);
    const perf = created.body.id as string;
    const join = (i: number, node = i % 2) =>
      call(nodes[node]!, 'POST', `/api/performances/${perf}/queue`, buyers[i]!.token);
    const committed = (await call(nodes[0]!, 'GET', `/api/performances/${perf}/fairness`)).body;
    expect(committed).toMatchObject({ mode: 'fifo', seed: null, drawnAt: null });

    // 24 in the pre-queue, through both nodes, each joining again through the other one.
    const early = buyers.slice(0, 24).map((_, i) => i);
    const first = await Promise.all(early.map((i) => join(i)));
    expect(first.every((r) => r.body.state === 'prequeue')).toBe(true);
    const again = await Promise.all(early.map((i) => join(i, (i + 1) % 2)));
    expect(again.every((r) => r.body.state === 'prequeue')).toBe(true);

    // Twelve first joins spread over 180 ms around the opening instant, through both nodes, while
    // six of the early ones join again through both: the seal (a join's or the ticker's) cuts them.
    const answered = new Map<number, string>();
    while (Date.now() < opensAt - 100) await sleep(10);
    await Promise.all([
      ...Array.from({ length: 12 }, async (_, k) => {
        await sleep(Math.max(0, opensAt + (k - 6) * 15 - Date.now()));
        answered.set(24 + k, (await join(24 + k)).body.state as string);
      }),
      ...early.slice(0, 6).map(async (i) => {
        await sleep(Math.max(0, opensAt + (i - 3) * 10 - Date.now()));
        const views = await Promise.all([join(i, 0), join(i, 1)]);
        // Already in the pre-queue: the same entry, in the pre-queue or placed by the draw by now.
        for (const view of views) expect(['prequeue', 'waiting', 'admitted']).toContain(view.body.state);
      }),
    ]);
    const prequeued = [...early, ...[...answered].filter(([, s]) => s === 'prequeue').map(([i]) => i)];
    expect([...answered.values()].every((s) => s === 'prequeue' || s === 'waiting')).toBe(true);
    // A few who came after the instant, plainly behind.
    for (let k = 36; k < buyers.length; k++) expect((await join(k)).body.state).toBe('waiting');

    // Everyone keeps their page open (a poll through either node) until everyone is let in.
    const views = new Map<number, Record<string, unknown>>();
    for (let round = 0; round < 130; round++) {
      await Promise.all(
        buyers.map(async (b, i) => {
          const view = await call(
            nodes[(i + round) % 2]!,
            'GET',
            `/api/performances/${perf}/queue/me`,
            b.token,
          );
          views.set(i, view.body);
        }),
      );
      if ([...views.values()].every((v) => v.state === 'admitted')) break;
      await sleep(300);
    }
    expect([...views.values()].map((v) => v.state)).toEqual(buyers.map(() => 'admitted'));
    // Each let in once: as many admissions as buyers, every pass still out, nobody waiting.
    const stats = await call(nodes[0]!, 'GET', `/api/admin/performances/${perf}/stats`, adminToken);
    expect(stats.body.queue).toEqual({ waiting: 0, active: buyers.length, admittedTotal: buyers.length });

    // One draw, the same from both nodes and in PostgreSQL: exactly the pre-queue, each once.
    const [record, fromOther] = await Promise.all(
      nodes.map(async (node) => (await call(node, 'GET', `/api/performances/${perf}/fairness`)).body),
    );
    expect(fromOther).toEqual(record);
    expect(record!.commitment).toBe(committed.commitment);
    const db = new pg.Client({ connectionString: scaled!.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ order: string[] }>(
      'SELECT prequeue_order::text[] AS "order" FROM performance_fairness WHERE performance_id = $1',
      [perf],
    );
    await db.end();
    const order = rows[0]!.order;
    expect(order).toHaveLength(prequeued.length);
    expect(new Set(order)).toEqual(new Set(prequeued.map((i) => buyers[i]!.id)));

    const ok = await verifyDraw([
      `${nodes[1]!.base}/api/performances/${perf}/fairness`,
      '--users',
      prequeued.map((i) => buyers[i]!.id).join(','),
      '--me',
      `${nodes[0]!.base}/api/performances/${perf}/fairness/me`,
      '--token',
      buyers[5]!.token,
    ]);
    expect(ok.out.checks).toMatchObject({ usersGiveTheList: true, myPlaceIsMyHashsRank: true });
    expect(ok.code).toBe(0);
    expect(ok.out.order).toEqual(order);

    // Let in in the drawn order, then everyone else: a pass's expiry is its admission's instant plus
    // the pass's lifetime, so the expiries follow the admissions (ties: let in by one tick).
    const expiry = (id: string) =>
      Date.parse(views.get(buyers.findIndex((b) => b.id === id))!.expiresAt as string);
    const drawnExpiries = order.map(expiry);
    expect(drawnExpiries.every((e, k) => k === 0 || e >= drawnExpiries[k - 1]!)).toBe(true);
    const others = buyers.filter((b) => !order.includes(b.id)).map((b) => expiry(b.id));
    expect(Math.min(...others)).toBeGreaterThanOrEqual(Math.max(...drawnExpiries));
  }, 120_000);
});
