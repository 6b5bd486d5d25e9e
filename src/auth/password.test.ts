import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes, startTestApp, uniqueEmail, type TestApp } from '../../test/harness.js';

// Issue 16, defect 11 (the part without mail): passwords of 12 characters or more that are hard to
// guess, a password change that ends the other sessions, and a signup refusal that does not repeat
// the email.

const GOOD = 'plum-cactus-orbit-42';

describe.each(modes())('passwords ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode);
  });
  afterAll(() => t.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload, headers });
  const refusal = (res: { statusCode: number; json(): { error: { code: string; details?: unknown } } }) => [
    res.statusCode,
    res.json().error.code,
  ];

  it('when a password is short or guessable, then signup refuses it and makes no account', async () => {
    const email = uniqueEmail('weak');
    const short = await post('/api/auth/signup', { email, password: 'K7#mq2!vLx9', name: 'Weak' });
    expect(refusal(short)).toEqual([400, 'VALIDATION_FAILED']);
    expect(short.json().error.details).toMatchObject({ field: 'password' });
    for (const password of ['aaaaaaaaaaaa', ' '.repeat(12), 'password1234', 'qwertyuiop12', `${email}1`]) {
      const weak = await post('/api/auth/signup', { email, password, name: 'Weak' });
      expect(refusal(weak), password).toEqual([422, 'WEAK_PASSWORD']);
    }
    const { rows } = await t.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
    expect(rows).toEqual([]);
    expect((await post('/api/auth/signup', { email, password: GOOD, name: 'Strong' })).statusCode).toBe(201);
  });

  it('when an email is taken, then the refusal does not repeat it', async () => {
    const email = uniqueEmail('taken');
    expect((await post('/api/auth/signup', { email, password: GOOD, name: 'First' })).statusCode).toBe(201);
    const again = await post('/api/auth/signup', { email, password: GOOD, name: 'Second' });
    expect(refusal(again)).toEqual([409, 'EMAIL_TAKEN']);
    expect(again.body).not.toContain(email);
  });

  it('when a buyer changes the password, then the current one is required, the new one must be strong, and the other sessions end', async () => {
    const email = uniqueEmail('change');
    const phone = (await post('/api/auth/signup', { email, password: GOOD, name: 'Changer' })).json();
    const laptop = (await post('/api/auth/login', { email, password: GOOD })).json();
    const bearer = (s: { accessToken: string }) => ({ authorization: `Bearer ${s.accessToken}` });
    const change = (body: object) => post('/api/me/password', body, bearer(laptop));

    expect(
      refusal(await change({ currentPassword: 'not-the-one', newPassword: 'lantern-fjord-quilt-77' })),
    ).toEqual([403, 'WRONG_PASSWORD']);
    expect(refusal(await change({ currentPassword: GOOD, newPassword: 'password1234' }))).toEqual([
      422,
      'WEAK_PASSWORD',
    ]);
    expect(refusal(await change({ currentPassword: GOOD }))).toEqual([400, 'VALIDATION_FAILED']);

    const changed = await change({ currentPassword: GOOD, newPassword: 'lantern-fjord-quilt-77' });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers['set-cookie']).toContain('tmomi_session=');
    const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/me', headers });
    expect((await me(bearer(changed.json()))).statusCode).toBe(200);
    expect(refusal(await me(bearer(phone)))).toEqual([401, 'SESSION_ENDED']);
    expect(refusal(await me(bearer(laptop)))).toEqual([401, 'SESSION_ENDED']);
    expect((await post('/api/auth/login', { email, password: GOOD })).statusCode).toBe(401);
    expect((await post('/api/auth/login', { email, password: 'lantern-fjord-quilt-77' })).statusCode).toBe(
      200,
    );
  });

  it('when the current password is guessed again and again, then the account must wait, as at login', async () => {
    const email = uniqueEmail('guess');
    const session = (await post('/api/auth/signup', { email, password: GOOD, name: 'Guessed' })).json();
    const headers = { authorization: `Bearer ${session.accessToken}` };
    const statuses = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (
          await post(
            '/api/me/password',
            { currentPassword: `guess-${i}`, newPassword: 'lantern-fjord-quilt-77' },
            headers,
          )
        ).statusCode,
      );
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.slice(5)).toContain(429);
  });
});
