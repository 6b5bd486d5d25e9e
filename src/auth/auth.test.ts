import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  modes,
  startTestApp,
  TestClock,
  TEST_SECRET,
  uniqueEmail,
  type TestApp,
} from '../../test/harness.js';
import { TokenKind } from '../platform/tokens.js';

describe.each(modes())('accounts ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode);
  });
  afterAll(() => t.close());

  const signup = (body: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: body as object });

  it('when a user signs up, logs in and asks who they are, then each step answers with that user', async () => {
    const email = uniqueEmail();
    const created = await signup({ email, password: 'correct horse', name: 'Ada' });
    expect(created.statusCode).toBe(201);
    expect(created.json().user).toMatchObject({ email, name: 'Ada', role: 'user' });

    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'correct horse' },
    });
    expect(login.statusCode).toBe(200);
    const { accessToken, user } = login.json();
    expect(user.id).toBe(created.json().user.id);
    const cookie = login.cookies.find((c) => c.name === 'tmomi_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: accessToken });

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: user.id, email, role: 'user' });
    expect(me.json()).not.toHaveProperty('passwordHash');

    // EventSource cannot send headers: the cookie alone must authenticate.
    const byCookie = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      cookies: { tmomi_session: accessToken },
    });
    expect(byCookie.json().id).toBe(user.id);
  });

  it('when the email differs only in case, then it is the same account', async () => {
    const email = uniqueEmail();
    expect((await signup({ email, password: 'plum-cactus-orbit-42', name: 'A' })).statusCode).toBe(201);
    const upper = await signup({ email: email.toUpperCase(), password: 'plum-cactus-orbit-42', name: 'B' });
    expect(upper.statusCode).toBe(409);
    expect(upper.json().error.code).toBe('EMAIL_TAKEN');
  });

  it('when ten signups race for one email, then exactly one wins and nine get EMAIL_TAKEN', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => signup({ email, password: 'plum-cactus-orbit-42', name: 'Racer' })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409 && r.json().error.code === 'EMAIL_TAKEN')).toHaveLength(
      9,
    );
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
    expect(rows[0].n).toBe(1);
  });

  it('when the password is wrong or the email unknown, then both get the same 401 INVALID_CREDENTIALS', async () => {
    const email = uniqueEmail();
    await signup({ email, password: 'plum-cactus-orbit-42', name: 'A' });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'password2' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: uniqueEmail(), password: 'password2' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it.each([
    ['a missing field', { email: 'a@example.com', name: 'A' }, 'password'],
    ['a wrong type', { email: 'a@example.com', password: 12345678, name: 'A' }, 'password'],
    ['a bad email', { email: 'not-an-email', password: 'plum-cactus-orbit-42', name: 'A' }, 'email'],
    ['a short password', { email: 'a@example.com', password: 'short', name: 'A' }, 'password'],
    ['an empty name', { email: 'a@example.com', password: 'plum-cactus-orbit-42', name: '' }, 'name'],
    ['a body that is not an object', [1, 2, 3], 'body'],
  ])(
    'when signup has %s, then 400 VALIDATION_FAILED names the field and nothing is written',
    async (_, body, field) => {
      const before = await t.db.query('SELECT count(*)::int AS n FROM users');
      const res = await signup(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.details.field).toBe(field);
      expect(res.json().error.message).toContain(field);
      const after = await t.db.query('SELECT count(*)::int AS n FROM users');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    },
  );

  it('when the token is forged, malformed or missing, then /api/me answers 401 with the right code', async () => {
    const forged = new TokenKind(`${TEST_SECRET}-but-another`, 'access', { now: () => Date.now() }).issue(
      { sub: '1', role: 'admin' },
      60,
    );
    const cases: [Record<string, string>, string][] = [
      [{}, 'UNAUTHENTICATED'],
      [{ authorization: `Bearer ${forged.token}` }, 'TOKEN_INVALID'],
      [{ authorization: 'Bearer not.a.jwt' }, 'TOKEN_INVALID'],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, 'TOKEN_INVALID'],
    ];
    for (const [headers, code] of cases) {
      const res = await t.app.inject({ method: 'GET', url: '/api/me', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().error.code).toBe(code);
    }
  });

  it('when a queue-pass-like token of another kind is presented as an access token, then it is refused', async () => {
    const other = new TokenKind(TEST_SECRET, 'queue-pass', { now: () => Date.now() }).issue(
      { sub: '1', role: 'admin' },
      60,
    );
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(res.json().error.code).toBe('TOKEN_INVALID');
  });

  it('when an ordinary user calls an admin route, then 403 FORBIDDEN; an admin gets through', async () => {
    const user = (await signup({ email: uniqueEmail(), password: 'plum-cactus-orbit-42', name: 'U' })).json();
    const asUser = await t.app.inject({
      method: 'GET',
      url: '/api/admin/users',
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(asUser.statusCode).toBe(403);
    expect(asUser.json().error.code).toBe('FORBIDDEN');

    const adminEmail = uniqueEmail('admin');
    await t.auth.ensureAdmin({ email: adminEmail, password: 'admin-password' });
    const admin = (
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: adminEmail, password: 'admin-password' },
      })
    ).json();
    expect(admin.user.role).toBe('admin');
    const asAdmin = await t.app.inject({
      method: 'GET',
      url: '/api/admin/users?limit=5',
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.json().users.length).toBeGreaterThan(0);
  });
});

describe.each(modes())('token expiry and rate limits ($name)', (mode) => {
  const clock = new TestClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode, {
      clock,
      settings: { authRateLimitPerMinute: 5, accessTokenTtlSeconds: 60 },
    });
  });
  afterAll(() => t.close());

  it('when the access token has expired, then 401 TOKEN_EXPIRED', async () => {
    const email = uniqueEmail();
    const { accessToken } = (
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email, password: 'plum-cactus-orbit-42', name: 'A' },
      })
    ).json();
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(ok.statusCode).toBe(200);
    clock.advance(61_000);
    const expired = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('TOKEN_EXPIRED');
  });

  it('when one address exceeds the login limit, then 429 RATE_LIMITED with Retry-After', async () => {
    const attempts = [];
    for (let i = 0; i < 6; i++) {
      attempts.push(
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: uniqueEmail(), password: 'whatever1' },
          remoteAddress: '203.0.113.7',
        }),
      );
    }
    expect(attempts.slice(0, 5).map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401]);
    const limited = attempts[5]!;
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Another address is not affected.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: uniqueEmail(), password: 'whatever1' },
      remoteAddress: '203.0.113.8',
    });
    expect(other.statusCode).toBe(401);
  });
});

describe.each(modes())('login limits that cannot be dodged ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    // One proxy in front, at 127.0.0.1: its X-Forwarded-For names the client, nobody else's does.
    t = await startTestApp(mode, { settings: { authRateLimitPerMinute: 5, trustProxy: ['127.0.0.1'] } });
  });
  afterAll(() => t.close());

  const login = (payload: object, headers: Record<string, string>, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', payload, headers, remoteAddress });

  it('when a client rotates X-Forwarded-For, then the address the trusted proxy saw is limited all the same', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const forwarded = { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.9` };
      statuses.push(
        (await login({ email: uniqueEmail(), password: 'whatever1' }, forwarded, '127.0.0.1')).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // A client that is not the proxy cannot name an address either: its own is counted.
    const direct = [];
    for (let i = 0; i < 6; i++) {
      const forwarded = { 'x-forwarded-for': `198.51.100.${i}` };
      direct.push(
        (await login({ email: uniqueEmail(), password: 'whatever1' }, forwarded, '192.0.2.50')).statusCode,
      );
    }
    expect(direct).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('when one account is guessed at from many addresses, then after five wrong passwords it must wait, longer each time, and a success forgets', async () => {
    const email = uniqueEmail();
    const signed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email, password: 'right-password', name: 'Guessed' },
      remoteAddress: '192.0.2.1',
    });
    expect(signed.statusCode).toBe(201);
    const wrong = (i: number) => login({ email, password: `wrong-${i}` }, {}, `198.18.0.${i}`);
    for (let i = 1; i <= 6; i++) expect((await wrong(i)).statusCode).toBe(401);
    // Even the right password, from yet another address, waits: the account is throttled, not the address.
    const waiting = await login({ email: email.toUpperCase(), password: 'right-password' }, {}, '198.18.1.1');
    expect(waiting.statusCode).toBe(429);
    expect(waiting.json().error.code).toBe('RATE_LIMITED');
    expect(waiting.headers['retry-after']).toBe('1');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await wrong(7)).statusCode).toBe(401); // the seventh failure: two seconds now
    const longer = await login({ email, password: 'right-password' }, {}, '198.18.1.2');
    expect([longer.statusCode, longer.headers['retry-after']]).toEqual([429, '2']);
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await login({ email, password: 'right-password' }, {}, '198.18.1.3')).statusCode).toBe(200);
    // The success forgot the failures: one more wrong password is only a 401, with no wait after it.
    expect((await wrong(8)).statusCode).toBe(401);
    expect((await login({ email, password: 'right-password' }, {}, '198.18.1.4')).statusCode).toBe(200);
  });
});
