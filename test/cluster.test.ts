import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_AUTH, modes } from './harness.js';
import { startNode, type TmomiNode } from './nodes.js';
import { deleteKeysUnder } from './redis-keys.js';
import { readSse } from './sse.js';

/**
 * Two real Tmomi processes sharing one PostgreSQL and one Redis, as in production behind a balancer.
 * Runs only where the scaled mode is available (DATABASE_URL and REDIS_URL set, as in CI).
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!scaled)('two nodes, one PostgreSQL, one Redis', () => {
  const nodes: TmomiNode[] = [];
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'cluster-admin-pw' };
  // Performance ids restart in every test database: this run's Redis keys must not meet another's.
  const redisPrefix = `cluster-${randomUUID().slice(0, 8)}:`;
  const buyers: string[] = [];
  let performanceId = '';

  const startClusterNode = () =>
    startNode({
      DATABASE_URL: scaled!.databaseUrl,
      REDIS_URL: scaled!.redisUrl!,
      TMOMI_REDIS_PREFIX: redisPrefix,
      TMOMI_ADMIN_EMAIL: admin.email,
      TMOMI_ADMIN_PASSWORD: admin.password,
      TMOMI_AUTH_RATE_LIMIT: '10000',
    });

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
  const signup = async (node: TmomiNode) =>
    (
      await call(node, 'POST', '/api/auth/signup', undefined, {
        email: `b-${randomUUID()}@example.com`,
        password: 'plum-cactus-orbit-42',
        name: 'B',
      })
    ).body.accessToken as string;
  const isLeader = async (node: TmomiNode) =>
    /^tmomi_admission_leader 1$/m.test(
      await (await fetch(`${node.base}/metrics`, { headers: METRICS_AUTH })).text(),
    );

  let adminToken = '';
  let eventId = '';
  /** A performance of the cluster's event whose sale opens `opensInMs` from now. */
  const createPerformance = async (opensInMs: number, queue: Record<string, number>) => {
    const now = Date.now();
    const perf = await call(nodes[1]!, 'POST', `/api/admin/events/${eventId}/performances`, adminToken, {
      startsAt: new Date(now + 7200_000).toISOString(),
      salesOpenAt: new Date(now + opensInMs).toISOString(),
      salesCloseAt: new Date(now + 3600_000).toISOString(),
      queue: { prequeueMinutes: 10, ...queue },
    });
    expect(perf.status).toBe(201);
    return { id: perf.body.id as string, opensAt: now + opensInMs };
  };
  const place = async (node: TmomiNode, perf: string, token: string) =>
    (await call(node, 'GET', `/api/performances/${perf}/queue/me`, token)).body;

  beforeAll(async () => {
    nodes.push(await startClusterNode(), await startClusterNode());
    const a = nodes[0]!;
    adminToken = (await call(a, 'POST', '/api/auth/login', undefined, admin)).body.accessToken as string;
    const venue = await call(a, 'POST', '/api/admin/venues', adminToken, {
      name: 'Hall',
      sections: [{ name: 'A', grade: 'R', rows: 5, seatsPerRow: 10 }],
    });
    const event = await call(a, 'POST', '/api/admin/events', adminToken, {
      title: 'Cluster',
      category: 'test',
      venueId: venue.body.id,
      prices: [{ grade: 'R', amount: 1 }],
    });
    eventId = event.body.id as string;
    for (let i = 0; i < 8; i++) buyers.push(await signup(nodes[i % 2]!));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await deleteKeysUnder(scaled!.redisUrl!, redisPrefix);
  });

  it('when buyers join through either node, then their places form one order', async () => {
    // Everyone joins during the pre-queue. maxActive 1: after the first admission nothing moves (the
    // pass lasts ten minutes), so the places read one by one afterwards are one consistent picture.
    const perf = await createPerformance(4_000, { admitPerSecond: 5, maxActive: 1 });
    for (const [i, token] of buyers.entries()) {
      expect(
        (await call(nodes[i % 2]!, 'POST', `/api/performances/${perf.id}/queue`, token)).body.state,
      ).toBe('prequeue');
    }
    // At opening the pre-queue is drawn once into one order (decision 031), and its head admitted.
    while (Date.now() < perf.opensAt) await sleep(100);
    for (let waited = 0; waited < 10_000; waited += 100) {
      const states = await Promise.all(buyers.map((token) => place(nodes[0]!, perf.id, token)));
      if (states.some((view) => view.state === 'admitted')) break;
      await sleep(100);
    }
    // Both nodes report places from the one order: exactly 1..7 behind the one admitted buyer.
    const views = [];
    for (const [i, token] of buyers.entries()) views.push(await place(nodes[(i + 1) % 2]!, perf.id, token));
    expect(views.filter((view) => view.state === 'admitted')).toHaveLength(1);
    const positions = views.filter((view) => view.state === 'waiting').map((view) => view.position as number);
    expect(positions.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }, 60_000);

  it('when the ticker runs on one node, then a stream on the other node receives the admission, and a reconnect resumes it', async () => {
    performanceId = (await createPerformance(0, { admitPerSecond: 5, maxActive: 100 })).id;
    for (const [i, token] of buyers.entries()) {
      expect(
        (await call(nodes[i % 2]!, 'POST', `/api/performances/${performanceId}/queue`, token)).status,
      ).toBe(200);
    }
    let leader: TmomiNode | undefined;
    for (let waited = 0; !leader && waited < 10_000; waited += 200) {
      for (const node of nodes) if (await isLeader(node)) leader = node;
      if (!leader) await sleep(200);
    }
    expect(leader).toBeDefined();
    const follower = nodes.find((n) => n !== leader)!;
    const listener = buyers.at(-1)!;
    const url = (node: TmomiNode) => `${node.base}/api/performances/${performanceId}/queue/events`;
    const first = await readSse(url(follower), { cookie: `tmomi_session=${listener}` }, (events) =>
      events.some((e) => e.event === 'admitted'),
    );
    const admitted = first.events.find((e) => e.event === 'admitted');
    expect(admitted?.data.pass).toEqual(expect.any(String));

    const resumed = await readSse(
      url(leader!),
      { cookie: `tmomi_session=${listener}`, 'last-event-id': admitted!.id ?? '' },
      (events) => events.length > 0,
    );
    expect(resumed.events[0]).toMatchObject({ event: 'admitted', data: { pass: admitted!.data.pass } });
  }, 30_000);

  it('when the node holding the lease is killed, then the other takes over admission within the lease time', async () => {
    const leader = (await isLeader(nodes[0]!)) ? nodes[0]! : nodes[1]!;
    const survivor = nodes.find((n) => n !== leader)!;
    leader.proc.kill('SIGKILL');
    const killedAt = Date.now();
    const late = await signup(survivor);
    expect((await call(survivor, 'POST', `/api/performances/${performanceId}/queue`, late)).status).toBe(200);
    let state = '';
    while (state !== 'admitted' && Date.now() - killedAt < 10_000) {
      await sleep(100);
      state = (await call(survivor, 'GET', `/api/performances/${performanceId}/queue/me`, late)).body
        .state as string;
    }
    expect(state).toBe('admitted');
    // The lease lasts 3 s; everyone ahead was admitted already, so the rest is one or two ticks.
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(await isLeader(survivor)).toBe(true);
  }, 30_000);
});
