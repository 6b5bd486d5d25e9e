import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes } from './harness.js';
import { startNode, type TmomiNode } from './nodes.js';
import { deleteKeysUnder } from './redis-keys.js';
import { verifyDraw } from './verify-draw.js';

/**
 * The lottery on two real Tmomi processes sharing one PostgreSQL and one Redis (decision 029):
 * registrations through either node, the draw made once by whichever node leads admission, the order
 * admitted, and the repository's script checking the draw from what the nodes published.
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!scaled)('lottery on two nodes, one PostgreSQL, one Redis', () => {
  const nodes: TmomiNode[] = [];
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'cluster-admin-pw' };
  const redisPrefix = `lottery-${randomUUID().slice(0, 8)}:`;
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
      sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 10 }],
    });
    const event = await call(a, 'POST', '/api/admin/events', adminToken, {
      title: 'Lottery',
      category: 'test',
      venueId: venue.body.id,
      prices: [{ grade: 'R', amount: 1 }],
    });
    eventId = event.body.id as string;
    for (let i = 0; i < 8; i++) {
      const { body } = await call(nodes[i % 2]!, 'POST', '/api/auth/signup', undefined, {
        email: `b-${randomUUID()}@example.com`,
        password: 'plum-cactus-orbit-42',
        name: 'B',
      });
      buyers.push({ id: (body.user as { id: string }).id, token: body.accessToken as string });
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await deleteKeysUnder(scaled!.redisUrl!, redisPrefix);
  });

  it('when buyers register many times at once through both nodes, then each has one registration; the draw is admitted in order and the script verifies it', async () => {
    const now = Date.now();
    const opensAt = now + 6_000;
    const created = await call(nodes[1]!, 'POST', `/api/admin/events/${eventId}/performances`, adminToken, {
      startsAt: new Date(now + 7200_000).toISOString(),
      salesOpenAt: new Date(opensAt).toISOString(),
      salesCloseAt: new Date(now + 3600_000).toISOString(),
      // One a second: each admission is seen apart from the next by a poll every 100 ms.
      queue: { mode: 'lottery', prequeueMinutes: 10, admitPerSecond: 1, maxActive: 100 },
    });
    expect(created.status).toBe(201);
    const perf = created.body.id as string;
    const committed = (await call(nodes[0]!, 'GET', `/api/performances/${perf}/fairness`)).body;
    expect(committed).toMatchObject({ mode: 'lottery', seed: null, drawnAt: null });

    // Three registrations per buyer through each node, all at once: 48 requests, 8 registrations.
    const answers = await Promise.all(
      buyers.flatMap((b) =>
        [0, 1, 0, 1, 0, 1].map((n) =>
          call(nodes[n]!, 'POST', `/api/performances/${perf}/registrations`, b.token),
        ),
      ),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    for (let i = 0; i < buyers.length; i++) {
      expect(new Set(answers.slice(6 * i, 6 * i + 6).map((r) => r.body.registeredAt)).size).toBe(1);
    }
    const db = new pg.Client({ connectionString: scaled!.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM lottery_registrations WHERE performance_id = $1',
      [perf],
    );
    await db.end();
    expect(rows[0]!.n).toBe(buyers.length);

    // Everyone on the waiting room page before the opening (a join is refused until then).
    const early = await call(nodes[0]!, 'POST', `/api/performances/${perf}/queue`, buyers[0]!.token);
    expect(early.body.error).toMatchObject({ code: 'QUEUE_NOT_OPEN' });
    while (Date.now() < opensAt) await sleep(100);
    // Who gets in, and when, as both nodes see it: each poll round, everyone's state and place.
    const rounds: { id: string; state: string; position: number | null }[][] = [];
    const isIn = (id: string) => rounds.some((r) => r.some((v) => v.id === id && v.state === 'admitted'));
    for (let waited = 0; !buyers.every((b) => isIn(b.id)) && waited < 30_000; waited += 100) {
      const round = await Promise.all(
        buyers.map(async (b, i) => {
          const node = nodes[(i + rounds.length) % 2]!;
          // Joined once (the join returns the drawn place), then polled: joins are limited to 30 in 10 s.
          const view =
            rounds.length === 0
              ? (await call(node, 'POST', `/api/performances/${perf}/queue`, b.token)).body
              : (await call(node, 'GET', `/api/performances/${perf}/queue/me`, b.token)).body;
          return { id: b.id, state: view.state as string, position: view.position as number | null };
        }),
      );
      rounds.push(round);
      await sleep(100);
    }
    expect(buyers.every((b) => isIn(b.id))).toBe(true);

    const record = (await call(nodes[1]!, 'GET', `/api/performances/${perf}/fairness`)).body;
    expect(record.commitment).toBe(committed.commitment);
    expect(record.entries).toHaveLength(buyers.length);
    const ok = await verifyDraw([
      `${nodes[1]!.base}/api/performances/${perf}/fairness`,
      '--users',
      buyers.map((b) => b.id).join(','),
      '--me',
      `${nodes[0]!.base}/api/performances/${perf}/fairness/me`,
      '--token',
      buyers[2]!.token,
    ]);
    expect(ok.out.checks).toMatchObject({ seedMatchesCommitment: true, myPlaceIsMyHashsRank: true });
    expect(ok.code).toBe(0);
    // The script's order, recomputed from the seed and the ids alone, is the order they were let in:
    // in every round, those admitted are a head of it, and those waiting stand in its order after them
    // (a round's polls are not one instant: an admission between two of them moves the later ones up
    // by one, so two neighbours may read the same place, never a reversed one).
    const order = ok.out.order as string[];
    for (const round of rounds) {
      const byId = new Map(round.map((v) => [v.id, v]));
      const states = order.map((id) => byId.get(id)!);
      expect(states.every((v) => v.state === 'admitted' || v.state === 'waiting')).toBe(true);
      const admittedCount = states.filter((v) => v.state === 'admitted').length;
      expect(states.slice(0, admittedCount).every((v) => v.state === 'admitted')).toBe(true);
      const waiting = states.slice(admittedCount).map((v) => v.position!);
      expect(waiting.every((p, k) => k === 0 || p >= waiting[k - 1]!)).toBe(true);
      expect(waiting.every((p, k) => k < 2 || p > waiting[k - 2]!)).toBe(true);
      expect(waiting[0] ?? 1).toBeLessThanOrEqual(2);
    }
  }, 90_000);
});
