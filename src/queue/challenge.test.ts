import { createChallenge, randomInt, solveChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buyer,
  modes,
  onSalePerformance,
  startTestApp,
  TestClock,
  type TestApp,
} from '../../test/harness.js';
import type { Challenge, ChallengePayload } from '../contract/queue.js';
import { solved as solvedWithNode } from './challenge.js';

/** The app's default difficulty for new performances here (TMOMI_CHALLENGE_DIFFICULTY), and the TTL. */
const DIFFICULTY = 300;
const TTL_SECONDS = 60;

describe.each(modes())('proof of work at the door ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();
  let admin: { authorization: string };

  beforeAll(async () => {
    t = await startTestApp(mode, {
      clock,
      settings: { challenge: { difficulty: DIFFICULTY, ttlSeconds: TTL_SECONDS } },
    });
    admin = await adminHeaders(t);
  });
  afterAll(() => t?.close());

  const solved = async (performanceId: string): Promise<ChallengePayload> => {
    const res = await t.app.inject({ url: `/api/performances/${performanceId}/challenge` });
    expect(res.statusCode, res.body).toBe(200);
    const challenge = res.json<{ challenge: Challenge }>().challenge;
    return { challenge, solution: (await solveChallenge({ challenge, deriveKey }))! };
  };
  const join = (performanceId: string, headers: Record<string, string>, challenge?: unknown) =>
    t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/queue`,
      headers,
      ...(challenge === undefined ? {} : { payload: { challenge } }),
    });
  const code = (res: { statusCode: number; json(): { error?: { code: string } } }) => [
    res.statusCode,
    res.json().error?.code,
  ];

  it('when a performance is made without a difficulty, then it takes the configured default; one made with 0 lets joins in without a challenge', async () => {
    const { performanceId } = await onSalePerformance(t);
    const shown = await t.app.inject({ url: `/api/performances/${performanceId}` });
    expect(shown.json().queue.challengeDifficulty).toBe(DIFFICULTY);
    const open = (await onSalePerformance(t, { queue: { challengeDifficulty: 0 } })).performanceId;
    expect((await join(open, (await buyer(t)).headers)).statusCode).toBe(200);
    const door = await t.app.inject({ url: `/api/performances/${open}/challenge` });
    expect(door.json()).toEqual({ required: false, difficulty: 0 });
    expect(door.headers['cache-control']).toBe('no-store');
  });

  it('when a solved challenge is spent, then once only; after its expiry an unspent one is refused too', async () => {
    const { performanceId } = await onSalePerformance(t);
    const [alice, bob] = [await buyer(t), await buyer(t)];
    expect(code(await join(performanceId, alice.headers))).toEqual([403, 'CHALLENGE_REQUIRED']);
    const payload = await solved(performanceId);
    expect((await join(performanceId, alice.headers, payload)).statusCode).toBe(200);
    expect(code(await join(performanceId, bob.headers, payload))).toEqual([403, 'CHALLENGE_REUSED']);

    const late = await solved(performanceId);
    clock.advance((TTL_SECONDS + 1) * 1000);
    const res = await join(performanceId, bob.headers, late);
    expect(code(res)).toEqual([403, 'CHALLENGE_REQUIRED']);
    expect(res.json().error.details.reason).toBe('expired');
  });

  it('when a buyer registers for a lottery, then the door asks the same proof of work as a join, spent once', async () => {
    const { performanceId } = await onSalePerformance(t, {
      salesOpenAt: new Date(clock.now() + 3600_000).toISOString(),
      queue: { mode: 'lottery', challengeDifficulty: 20 },
    });
    const register = (headers: Record<string, string>, challenge?: ChallengePayload) =>
      t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/registrations`,
        headers,
        ...(challenge ? { payload: { challenge } } : {}),
      });
    const [a, b] = [await buyer(t), await buyer(t)];
    expect(code(await register(a.headers))).toEqual([403, 'CHALLENGE_REQUIRED']);
    const payload = await solved(performanceId);
    expect((await register(a.headers, payload)).statusCode).toBe(200);
    expect(code(await register(b.headers, payload))).toEqual([403, 'CHALLENGE_REUSED']);
    const { rows } = await t.db.query('SELECT 1 FROM lottery_registrations WHERE performance_id = $1', [
      performanceId,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('when a difficulty or a challenge request is malformed, then 400 naming the field; an unknown performance is 404', async () => {
    const { performanceId } = await onSalePerformance(t);
    const patch = (queue: unknown) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/admin/performances/${performanceId}`,
        headers: admin,
        payload: { queue },
      });
    for (const challengeDifficulty of [-1, 5_000_001, 1.5, 'hard']) {
      const res = await patch({ challengeDifficulty });
      expect([res.statusCode, res.json().error.details.field]).toEqual([400, 'queue.challengeDifficulty']);
    }
    const ok = await patch({ challengeDifficulty: 1_000 });
    expect(ok.json().queue.challengeDifficulty).toBe(1_000);
    const badId = await t.app.inject({ url: '/api/performances/abc/challenge' });
    expect([badId.statusCode, badId.json().error.details.field]).toEqual([400, 'id']);
    const unknown = await t.app.inject({ url: '/api/performances/999999999/challenge' });
    expect(code(unknown)).toEqual([404, 'PERFORMANCE_NOT_FOUND']);
    const hexless = await join(performanceId, (await buyer(t)).headers, {
      challenge: { parameters: {}, signature: 'zz' },
      solution: { counter: 1, derivedKey: 'ab' },
    });
    expect([hexless.statusCode, hexless.json().error.details.field]).toEqual([
      400,
      'challenge.challenge.parameters.algorithm',
    ]);
  });
});

describe('checking a solution with node:crypto', () => {
  it('when solutions are genuine or tampered with, then it decides exactly as altcha-lib’s verifySolution', async () => {
    const [signing, keySigning] = ['parameters-secret-for-the-test', 'key-secret-for-the-test'];
    const cases: { name: string; payload: ChallengePayload }[] = [];
    for (let i = 0; i < 5; i++) {
      const challenge = (await createChallenge({
        algorithm: 'SHA-256',
        cost: 1,
        counter: randomInt(40, 20),
        deriveKey,
        data: { performanceId: String(i + 1) },
        expiresAt: Math.ceil(Date.now() / 1000) + 600,
        hmacSignatureSecret: signing,
        hmacKeySignatureSecret: keySigning,
      })) as Challenge;
      const solution = (await solveChallenge({ challenge, deriveKey }))!;
      const p = challenge.parameters;
      const flip = (hex: string) => (hex[0] === 'a' ? 'b' : 'a') + hex.slice(1);
      cases.push(
        { name: 'genuine', payload: { challenge, solution } },
        {
          name: 'its parameters in another order',
          payload: {
            challenge: {
              ...challenge,
              parameters: Object.fromEntries(Object.entries(p).reverse()) as typeof p,
            },
            solution,
          },
        },
        {
          name: 'another performance',
          payload: {
            challenge: { ...challenge, parameters: { ...p, data: { performanceId: 'x' } } },
            solution,
          },
        },
        {
          name: 'a later expiry',
          payload: {
            challenge: { ...challenge, parameters: { ...p, expiresAt: p.expiresAt! + 1 } },
            solution,
          },
        },
        {
          name: 'an easier prefix',
          payload: { challenge: { ...challenge, parameters: { ...p, keyPrefix: '0' } }, solution },
        },
        {
          name: 'no key signature',
          payload: { challenge: { ...challenge, parameters: { ...p, keySignature: undefined } }, solution },
        },
        {
          name: 'a forged signature',
          payload: { challenge: { ...challenge, signature: flip(challenge.signature) }, solution },
        },
        {
          name: 'another key',
          payload: { challenge, solution: { ...solution, derivedKey: flip(solution.derivedKey) } },
        },
        {
          name: 'the key in capitals',
          payload: { challenge, solution: { ...solution, derivedKey: solution.derivedKey.toUpperCase() } },
        },
        {
          name: 'another counter',
          payload: { challenge, solution: { ...solution, counter: solution.counter + 1 } },
        },
        {
          name: 'a counter past 32 bits',
          payload: { challenge, solution: { ...solution, counter: 2 ** 32 } },
        },
        { name: 'a fractional counter', payload: { challenge, solution: { ...solution, counter: 1.5 } } },
      );
    }
    for (const { name, payload } of cases) {
      const expected = await verifySolution({
        challenge: payload.challenge,
        solution: payload.solution,
        deriveKey,
        hmacSignatureSecret: signing,
        hmacKeySignatureSecret: keySigning,
      });
      expect([name, solvedWithNode(payload, signing, keySigning)]).toEqual([name, expected.verified]);
    }
    // Only the derived key is proof of the work (its signature is the server's): altcha-lib's path for
    // signed keys, and so this one, read the counter's form but not its value.
    const accepted = cases.filter((c) => solvedWithNode(c.payload, signing, keySigning)).map((c) => c.name);
    expect(accepted).toEqual(
      Array(5).fill(['genuine', 'its parameters in another order', 'another counter']).flat(),
    );
  });
});
