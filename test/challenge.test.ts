import { randomUUID } from 'node:crypto';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge, ChallengePayload } from '../src/contract/queue.js';
import { modes } from './harness.js';
import { startNode, type TmomiNode } from './nodes.js';
import { deleteKeysUnder } from './redis-keys.js';

/**
 * Proof of work at the queue's door (issue 22, decision 030) on two real Tmomi processes sharing one
 * PostgreSQL and one Redis: a solved challenge opens the door once, on whichever node it is spent.
 * Runs only where the scaled mode is available (DATABASE_URL and REDIS_URL set, as in CI).
 */
const scaled = modes().find((m) => m.name === 'scaled');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The nodes' default difficulty for new performances, and how long their challenges last. */
const DIFFICULTY = 2_000;
const TTL_SECONDS = 3;

describe.skipIf(!scaled)('proof of work at the door, two nodes', () => {
  const nodes: TmomiNode[] = [];
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'door-admin-password' };
  const redisPrefix = `challenge-${randomUUID().slice(0, 8)}:`;
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
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : null) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    };
  };
  const signup = async (node: TmomiNode) =>
    (
      await call(node, 'POST', '/api/auth/signup', undefined, {
        email: `b-${randomUUID()}@example.com`,
        password: 'plum-cactus-orbit-42',
        name: 'B',
      })
    ).body.accessToken as string;
  /** A performance on sale now, its waiting room open; `queue` over the defaults. */
  const createPerformance = async (queue: Record<string, number> = {}) => {
    const now = Date.now();
    const perf = await call(nodes[1]!, 'POST', `/api/admin/events/${eventId}/performances`, adminToken, {
      startsAt: new Date(now + 7200_000).toISOString(),
      salesOpenAt: new Date(now - 1_000).toISOString(),
      salesCloseAt: new Date(now + 3600_000).toISOString(),
      queue: { prequeueMinutes: 0, ...queue },
    });
    expect(perf.status, JSON.stringify(perf.body)).toBe(201);
    return perf.body.id as string;
  };
  /** A fresh challenge of the performance's door, solved as the web app solves it (altcha-lib). */
  const solved = async (node: TmomiNode, performanceId: string): Promise<ChallengePayload> => {
    const res = await call(node, 'GET', `/api/performances/${performanceId}/challenge`);
    expect(res.status).toBe(200);
    expect(res.body.required).toBe(true);
    const challenge = res.body.challenge as Challenge;
    const solution = await solveChallenge({ challenge, deriveKey });
    expect(solution).not.toBeNull();
    return { challenge, solution: solution! };
  };
  const join = (node: TmomiNode, performanceId: string, token: string, challenge?: unknown) =>
    call(
      node,
      'POST',
      `/api/performances/${performanceId}/queue`,
      token,
      challenge === undefined ? undefined : { challenge },
    );
  const refusal = (res: { status: number; body: Record<string, any> }) => [res.status, res.body.error?.code]; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(async () => {
    const env = {
      DATABASE_URL: scaled!.databaseUrl,
      REDIS_URL: scaled!.redisUrl!,
      TMOMI_REDIS_PREFIX: redisPrefix,
      TMOMI_ADMIN_EMAIL: admin.email,
      TMOMI_ADMIN_PASSWORD: admin.password,
      TMOMI_CHALLENGE_DIFFICULTY: String(DIFFICULTY),
      TMOMI_CHALLENGE_TTL_SECONDS: String(TTL_SECONDS),
    };
    nodes.push(await startNode(env), await startNode(env));
    const a = nodes[0]!;
    adminToken = (await call(a, 'POST', '/api/auth/login', undefined, admin)).body.accessToken as string;
    const venue = await call(a, 'POST', '/api/admin/venues', adminToken, {
      name: 'Door Hall',
      sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 10 }],
    });
    const event = await call(a, 'POST', '/api/admin/events', adminToken, {
      title: 'Door',
      category: 'test',
      venueId: venue.body.id,
      prices: [{ grade: 'R', amount: 1 }],
    });
    eventId = event.body.id as string;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await deleteKeysUnder(scaled!.redisUrl!, redisPrefix);
  });

  it('when a performance is made without a difficulty, then it takes the configured one, and its challenge is never cached', async () => {
    const performanceId = await createPerformance();
    const shown = await call(nodes[0]!, 'GET', `/api/performances/${performanceId}`);
    expect(shown.body.queue.challengeDifficulty).toBe(DIFFICULTY);
    const res = await call(nodes[0]!, 'GET', `/api/performances/${performanceId}/challenge`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ required: true, difficulty: DIFFICULTY });
    expect(res.body.challenge.parameters.data).toEqual({ performanceId });
    const again = await call(nodes[0]!, 'GET', `/api/performances/${performanceId}/challenge`);
    expect(again.body.challenge.signature).not.toBe(res.body.challenge.signature);
  });

  it('when a join brings no challenge or a wrong solution, then 403 CHALLENGE_REQUIRED; a solved one is accepted once, and the same solution on the other node is CHALLENGE_REUSED', async () => {
    const performanceId = await createPerformance();
    const [alice, bob] = [await signup(nodes[0]!), await signup(nodes[1]!)];
    const without = await join(nodes[0]!, performanceId, alice);
    expect(refusal(without)).toEqual([403, 'CHALLENGE_REQUIRED']);
    expect(without.body.error.details.reason).toBe('missing');

    const payload = await solved(nodes[1]!, performanceId);
    const wrongKey = { ...payload, solution: { ...payload.solution, derivedKey: 'ab'.repeat(32) } };
    const wrong = await join(nodes[0]!, performanceId, alice, wrongKey);
    expect(refusal(wrong)).toEqual([403, 'CHALLENGE_REQUIRED']);
    expect(wrong.body.error.details.reason).toBe('wrong');
    const forged = {
      ...payload,
      challenge: { ...payload.challenge, parameters: { ...payload.challenge.parameters, keyPrefix: '00' } },
    };
    expect(refusal(await join(nodes[0]!, performanceId, alice, forged))).toEqual([403, 'CHALLENGE_REQUIRED']);

    const accepted = await join(nodes[0]!, performanceId, alice, payload);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(['waiting', 'admitted']).toContain(accepted.body.state);
    expect(refusal(await join(nodes[1]!, performanceId, bob, payload))).toEqual([403, 'CHALLENGE_REUSED']);
    expect(refusal(await join(nodes[0]!, performanceId, alice, payload))).toEqual([403, 'CHALLENGE_REUSED']);
    // Bob, with a challenge of his own, gets in: the door refused the solution, not him.
    expect((await join(nodes[1]!, performanceId, bob, await solved(nodes[0]!, performanceId))).status).toBe(
      200,
    );
  });

  it('when one solution is sent to both nodes at once, many times, then exactly one join is accepted', async () => {
    const performanceId = await createPerformance();
    const buyers = await Promise.all(Array.from({ length: 10 }, (_, i) => signup(nodes[i % 2]!)));
    const payload = await solved(nodes[0]!, performanceId);
    const results = await Promise.all(
      buyers.map((token, i) => join(nodes[i % 2]!, performanceId, token, payload)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(403)]);
    expect(results.filter((r) => r.status === 403).map((r) => r.body.error.code)).toEqual(
      Array(9).fill('CHALLENGE_REUSED'),
    );
  });

  it("when a challenge was made for another performance's door, then it does not open this one", async () => {
    const [here, there] = [await createPerformance(), await createPerformance()];
    const buyer = await signup(nodes[0]!);
    const res = await join(nodes[1]!, here, buyer, await solved(nodes[0]!, there));
    expect(refusal(res)).toEqual([403, 'CHALLENGE_REQUIRED']);
    expect(res.body.error.details.reason).toBe('other-performance');
  });

  it('when a challenge has expired, then it is refused, solved or not', async () => {
    const performanceId = await createPerformance();
    const buyer = await signup(nodes[0]!);
    const payload = await solved(nodes[0]!, performanceId);
    await sleep((TTL_SECONDS + 1) * 1000 + 200);
    const res = await join(nodes[1]!, performanceId, buyer, payload);
    expect(refusal(res)).toEqual([403, 'CHALLENGE_REQUIRED']);
    expect(res.body.error.details.reason).toBe('expired');
  }, 15_000);

  it('when the organizer sets the difficulty to 0, then every node lets joins in without a challenge, as before', async () => {
    const performanceId = await createPerformance({ challengeDifficulty: 500 });
    const buyer = await signup(nodes[1]!);
    expect(refusal(await join(nodes[1]!, performanceId, buyer))).toEqual([403, 'CHALLENGE_REQUIRED']);
    const patched = await call(nodes[0]!, 'PATCH', `/api/admin/performances/${performanceId}`, adminToken, {
      queue: { challengeDifficulty: 0 },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.queue.challengeDifficulty).toBe(0);
    await expect.poll(async () => (await join(nodes[1]!, performanceId, buyer)).status).toBe(200);
    expect((await call(nodes[0]!, 'GET', `/api/performances/${performanceId}/challenge`)).body).toEqual({
      required: false,
      difficulty: 0,
    });
  });

  it('when a join carries a malformed challenge, then 400 naming the field, and nothing is spent', async () => {
    const performanceId = await createPerformance();
    const buyer = await signup(nodes[0]!);
    const payload = await solved(nodes[0]!, performanceId);
    const cases: [unknown, string][] = [
      ['a string', 'challenge'],
      [{ challenge: payload.challenge }, 'challenge.solution'],
      [{ ...payload, solution: { ...payload.solution, counter: -1 } }, 'challenge.solution.counter'],
      [{ ...payload, solution: { ...payload.solution, derivedKey: 'XYZ' } }, 'challenge.solution.derivedKey'],
      [{ ...payload, extra: 1 }, 'challenge.extra'],
    ];
    for (const [challenge, field] of cases) {
      const res = await join(nodes[0]!, performanceId, buyer, challenge);
      expect([res.status, res.body.error.code, res.body.error.details.field]).toEqual([
        400,
        'VALIDATION_FAILED',
        field,
      ]);
    }
    const other = await call(nodes[0]!, 'POST', `/api/performances/${performanceId}/queue`, buyer, {
      challenge: payload,
      seats: 3,
    });
    expect([other.status, other.body.error.details.field]).toEqual([400, 'seats']);
    // The well-formed one was never spent by the refusals above.
    expect((await join(nodes[1]!, performanceId, buyer, payload)).status).toBe(200);
  });
});
