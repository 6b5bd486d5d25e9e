import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  modes,
  onSalePerformance,
  startTestApp,
  TestClock,
  uniqueEmail,
  type TestApp,
} from '../../test/harness.js';
import { SESSION_VERSION_TTL_MS } from './sessions.js';

// Issue 16, defect 1: a token stops working once its session has ended — logout (on any node), a new
// role or password however made, the account deleted — with no read of PostgreSQL per request.

type Headers = Record<string, string>;

describe.each(modes())('sessions that end ($name)', (mode) => {
  let t: TestApp;
  let other: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await startTestApp(mode, { clock });
    // A second node on the same PostgreSQL and the same engine (Redis, scaled).
    other = await startTestApp(mode, { clock, sharedEngine: t.engine });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  const request = (node: TestApp, method: 'GET' | 'POST', url: string, headers: Headers = {}) =>
    node.app.inject({ method, url, headers });
  const codeOf = async (node: TestApp, url: string, headers: Headers) => {
    const res = await request(node, 'GET', url, headers);
    return res.statusCode === 200 ? 200 : `${res.statusCode} ${res.json().error.code}`;
  };
  const signup = async () => {
    const email = uniqueEmail('session');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email, password: 'plum-cactus-orbit-42', name: 'Session' },
    });
    return {
      email,
      id: res.json().user.id as string,
      headers: { authorization: `Bearer ${res.json().accessToken}` },
    };
  };
  const login = async (email: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'plum-cactus-orbit-42' },
    });
    expect(res.statusCode).toBe(200);
    return { authorization: `Bearer ${res.json().accessToken}`, cookie: res.headers['set-cookie'] as string };
  };

  it('when a buyer logs out, then the token and the cookie are refused on every node, and a new login works', async () => {
    const { email, headers } = await signup();
    const phone = await login(email);
    // The other node has read the session: it must hear that it ended, not wait for its copy to expire.
    expect(await codeOf(other, '/api/me', headers)).toBe(200);
    const cookie = phone.cookie.split(';')[0]!;
    expect(await codeOf(t, '/api/me', { cookie })).toBe(200);

    const out = await request(t, 'POST', '/api/auth/logout', headers);
    expect(out.statusCode).toBe(204);
    expect(await codeOf(t, '/api/me', headers)).toBe('401 SESSION_ENDED');
    expect(await codeOf(t, '/api/orders', { authorization: phone.authorization })).toBe('401 SESSION_ENDED');
    expect(await codeOf(t, '/api/me', { cookie })).toBe('401 SESSION_ENDED');
    await expect.poll(() => codeOf(other, '/api/me', headers), { timeout: 3_000 }).toBe('401 SESSION_ENDED');

    const again = await login(email);
    expect(await codeOf(t, '/api/me', { authorization: again.authorization })).toBe(200);
    expect(await codeOf(other, '/api/me', { authorization: again.authorization })).toBe(200);
    // The old token, stolen, cannot log its owner out again.
    expect((await request(t, 'POST', '/api/auth/logout', headers)).statusCode).toBe(204);
    expect(await codeOf(t, '/api/me', { authorization: again.authorization })).toBe(200);
  });

  it('when an admin is demoted or a password changed in the database, then the old token is refused once the node’s copy expires, at once on a node that had none', async () => {
    const admin = await adminHeaders(t);
    expect(await codeOf(t, '/api/admin/users', admin)).toBe(200);
    const { id } = await t.auth.me(t.auth.authenticate(admin.authorization.slice(7)));
    await t.db.query(`UPDATE users SET role = 'user' WHERE id = $1`, [id]);
    expect(await codeOf(other, '/api/admin/users', admin)).toBe('401 SESSION_ENDED');
    clock.advance(SESSION_VERSION_TTL_MS + 1);
    expect(await codeOf(t, '/api/admin/users', admin)).toBe('401 SESSION_ENDED');

    const { email, headers } = await signup();
    const before = await login(email);
    await t.db.query(`UPDATE users SET password_hash = password_hash || '' WHERE email = $1`, [email]);
    // The same hash again is no change; a new one is.
    clock.advance(SESSION_VERSION_TTL_MS + 1);
    expect(await codeOf(t, '/api/me', headers)).toBe(200);
    await t.db.query(`UPDATE users SET password_hash = 'x' || password_hash WHERE email = $1`, [email]);
    clock.advance(SESSION_VERSION_TTL_MS + 1);
    expect(await codeOf(t, '/api/me', { authorization: before.authorization })).toBe('401 SESSION_ENDED');
  });

  it('when an account is deleted, then its token reads nothing, joins nothing and holds nothing: 401, never a 500', async () => {
    const { performanceId } = await onSalePerformance(t, { queue: { enabled: false } });
    const { id, headers } = await signup();
    expect(await codeOf(t, '/api/orders', headers)).toBe(200);
    await t.db.query('DELETE FROM users WHERE id = $1', [id]);
    // This node still trusts its copy: the hold reaches PostgreSQL, which has no such buyer.
    const hold = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers,
      payload: { seatNos: [1] },
    });
    expect([hold.statusCode, hold.json().error.code]).toEqual([401, 'SESSION_ENDED']);
    clock.advance(SESSION_VERSION_TTL_MS + 1);
    expect(await codeOf(t, '/api/orders', headers)).toBe('401 SESSION_ENDED');
    const join = await request(t, 'POST', `/api/performances/${performanceId}/queue`, headers);
    expect([join.statusCode, join.json().error.code]).toEqual([401, 'SESSION_ENDED']);
  });
});
