import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes } from './harness.js';
import { startNode, type TmomiNode } from './nodes.js';
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
        password: 'password1',
        name: 'B',
      })
    ).body.accessToken as string;
  const isLeader = async (node: TmomiNode) =>
    /^tmomi_admission_leader 1$/m.test(await (await fetch(`${node.base}/metrics`)).text());

  beforeAll(async () => {
    nodes.push(await startClusterNode(), await startClusterNode());
  }, 90_000);

  afterAll(() => {
    for (const node of nodes) if (node.proc.exitCode === null) node.proc.kill('SIGKILL');
  });

  it('when buyers join through either node, then their places form one order', async () => {
    const [a, b] = nodes as [TmomiNode, TmomiNode];
    const adminToken = (await call(a, 'POST', '/api/auth/login', undefined, admin)).body
      .accessToken as string;
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
    const now = Date.now();
    // Opens in a moment: everyone joins during the pre-queue, so nobody is admitted while we look.
    const perf = await call(
      b,
      'POST',
      `/api/admin/events/${event.body.id as string}/performances`,
      adminToken,
      {
        startsAt: new Date(now + 7200_000).toISOString(),
        salesOpenAt: new Date(now + 4_000).toISOString(),
        salesCloseAt: new Date(now + 3600_000).toISOString(),
        queue: { admitPerSecond: 5, maxActive: 100, prequeueMinutes: 10 },
      },
    );
    expect(perf.status).toBe(201);
    performanceId = perf.body.id as string;

    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) tokens.push(await signup(nodes[i % 2]!));
    for (const [i, token] of tokens.entries()) {
      expect(
        (await call(nodes[i % 2]!, 'POST', `/api/performances/${performanceId}/queue`, token)).body.state,
      ).toBe('prequeue');
    }
    buyers.push(...tokens);
    // At opening the pre-queue is shuffled once into one order; both nodes report places from it.
    while (Date.now() < now + 4_000) await sleep(100);
    const positions: number[] = [];
    for (const [i, token] of tokens.entries()) {
      const view = (
        await call(nodes[(i + 1) % 2]!, 'GET', `/api/performances/${performanceId}/queue/me`, token)
      ).body;
      if (view.state === 'waiting') positions.push(view.position as number);
    }
    expect(new Set(positions).size).toBe(positions.length);
    expect(Math.max(...positions)).toBeLessThanOrEqual(8);
  }, 60_000);

  it('when the ticker runs on one node, then a stream on the other node receives the admission, and a reconnect resumes it', async () => {
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
