import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, modes, startTestApp, uniqueEmail, type TestApp } from '../../test/harness.js';
import { mailSettings, SmtpSink } from '../../test/smtp-sink.js';

// Issue 18, decision 025: owners invite members by email. The link goes out through the mail outbox
// (a real SMTP sink here), is used once within 7 days, and makes the account of that address a member
// with the role; owners list and withdraw what is pending; each step is in the audit log.

type Headers = Record<string, string>;
const PASSWORD = 'plum-cactus-orbit-42';

describe.each(modes())('invitations by email ($name)', (mode) => {
  const sink = new SmtpSink();
  let t: TestApp;
  let admin: Headers;
  let owner: Headers;
  let ownerEmail: string;
  let org: string;

  const call = (method: string, url: string, headers: Headers = {}, payload?: object) =>
    t.app.inject({ method: method as 'POST', url, headers, payload });
  const codeOf = (res: { statusCode: number; json: () => { error?: { code: string } } }) =>
    `${res.statusCode} ${res.statusCode >= 400 ? res.json().error!.code : ''}`.trim();
  const signup = async (email: string, name: string, locale?: 'ko' | 'en') => {
    const res = await call('POST', '/api/auth/signup', {}, { email, password: PASSWORD, name, locale });
    expect(res.statusCode, res.body).toBe(201);
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  };
  const invite = (email: string, role: string, headers = owner) =>
    call('POST', `/api/admin/organizations/${org}/invitations`, headers, { email, role });
  /** The token of the newest invitation mailed to `email` (the sink is a real SMTP server). */
  const mailedToken = async (email: string, count = 1) => {
    // Only the invitations (a signup's address proof goes to the same inbox).
    const invitations = () => sink.to(email).filter((m) => m.subject?.includes('Moon Hall'));
    await sink.until(() => invitations().length >= count);
    const mail = invitations().at(-1)!;
    return { token: /token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!, mail };
  };

  beforeAll(async () => {
    await sink.start();
    t = await startTestApp(mode, { settings: { mail: mailSettings(sink) } });
    admin = await adminHeaders(t);
    ownerEmail = uniqueEmail('inv-owner');
    owner = await signup(ownerEmail, 'Olivia Owner');
    const created = await call('POST', '/api/admin/organizations', admin, { name: 'Moon Hall', ownerEmail });
    expect(created.statusCode).toBe(201);
    org = created.json<{ id: string }>().id;
    owner = {
      authorization: `Bearer ${(await t.auth.login({ email: ownerEmail, password: PASSWORD })).accessToken}`,
    };
  });
  afterAll(async () => {
    await t?.close();
    await sink.stop();
  });

  it('when an owner invites an address without an account, then it signs up from the link, accepts once, and is a member with the role', async () => {
    const email = uniqueEmail('Newcomer');
    const sent = await invite(email, 'manager');
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({ email: email.toLowerCase(), role: 'manager', expired: false });
    const pending = await call('GET', `/api/admin/organizations/${org}/invitations`, owner);
    expect(pending.json<{ invitations: { id: string }[] }>().invitations.map((i) => i.id)).toContain(
      sent.json<{ id: string }>().id,
    );

    const { token, mail } = await mailedToken(email);
    expect(mail.subject).toBe('You are invited to join Moon Hall on Tmomi');
    expect(mail.text).toContain('Olivia Owner invites you to join Moon Hall on Tmomi as a manager');
    expect(mail.text).toContain(`http://tmomi.test/invitations/accept?token=${token}`);
    // Only the token's hash is kept; the sent message's stored copy no longer holds the token.
    const hash = createHash('sha256').update(token).digest();
    const stored = await t.db.query('SELECT 1 FROM invitations WHERE token_hash = $1', [hash]);
    expect(stored.rowCount).toBe(1);
    await expect
      .poll(async () => {
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM mail_messages WHERE recipient = $1
           AND (data->>'token' IS NOT NULL OR text_body LIKE '%' || $2 || '%')`,
          [email.toLowerCase(), token],
        );
        return rows[0]!.n;
      })
      .toBe(0);

    // The link's page reads what it offers without a login; accepting needs one, of that address.
    const offer = await call('POST', '/api/invitations/lookup', {}, { token });
    expect(offer.json()).toMatchObject({
      organization: { id: org, name: 'Moon Hall' },
      email: email.toLowerCase(),
      role: 'manager',
    });
    expect(codeOf(await call('POST', '/api/invitations/accept', {}, { token }))).toBe('401 UNAUTHENTICATED');
    const stranger = await signup(uniqueEmail('stranger'), 'Someone Else');
    const wrong = await call('POST', '/api/invitations/accept', stranger, { token });
    expect(codeOf(wrong)).toBe('403 INVITATION_WRONG_ACCOUNT');

    const invitee = await signup(email, 'Nari Newcomer');
    const accepted = await call('POST', '/api/invitations/accept', invitee, { token });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ organization: { id: org, name: 'Moon Hall' }, role: 'manager' });
    expect(accepted.headers['set-cookie']).toContain('tmomi_session=');
    // The membership ended the old session; the answer's new one runs the organization's sales.
    expect(codeOf(await call('GET', '/api/admin/organizations', invitee))).toBe('401 SESSION_ENDED');
    const renewed = {
      authorization: `Bearer ${accepted.json<{ session: { accessToken: string } }>().session.accessToken}`,
    };
    const mine = await call('GET', '/api/admin/organizations', renewed);
    expect(mine.json()).toEqual({ organizations: [{ id: org, name: 'Moon Hall', role: 'manager' }] });
    const { rows } = await t.db.query('SELECT email_verified_at FROM users WHERE email = $1', [
      email.toLowerCase(),
    ]);
    expect(rows[0]!.email_verified_at).not.toBeNull();

    // Used once: a second accept and the page both say so; it is no longer pending.
    expect(codeOf(await call('POST', '/api/invitations/accept', renewed, { token }))).toBe(
      '409 INVITATION_USED',
    );
    expect(codeOf(await call('POST', '/api/invitations/lookup', {}, { token }))).toBe('409 INVITATION_USED');
    const after = await call('GET', `/api/admin/organizations/${org}/invitations`, owner);
    expect(after.json<{ invitations: { email: string }[] }>().invitations.map((i) => i.email)).not.toContain(
      email.toLowerCase(),
    );
    const members = await call('GET', `/api/admin/organizations/${org}/members`, owner);
    expect(members.json<{ members: { email: string; role: string }[] }>().members).toContainEqual(
      expect.objectContaining({ email: email.toLowerCase(), role: 'manager' }),
    );

    // The audit log: who invited, who accepted.
    const audit = await call('GET', `/api/admin/audit?organizationId=${org}`, owner);
    const entries = audit.json<{ entries: { action: string; actor: { email: string } }[] }>().entries;
    expect(entries.find((e) => e.action === 'invitation.create')?.actor.email).toBe(ownerEmail.toLowerCase());
    expect(entries.find((e) => e.action === 'invitation.accept')?.actor.email).toBe(email.toLowerCase());
  });

  it('when an existing account that reads Korean is invited, then the mail is in Korean and accepting adds it', async () => {
    const email = uniqueEmail('korean');
    const headers = await signup(email, '김민지', 'ko');
    expect((await invite(email, 'staff')).statusCode).toBe(201);
    const { token, mail } = await mailedToken(email);
    expect(mail.subject).toBe('Moon Hall 팀에 초대되었습니다');
    expect(mail.text).toContain('입장 스태프(으)로 초대');
    const accepted = await call('POST', '/api/invitations/accept', headers, { token });
    expect(accepted.json()).toMatchObject({ role: 'staff' });
    // A member is not invited again.
    expect(codeOf(await invite(email, 'manager'))).toBe('409 ALREADY_MEMBER');
  });

  it('when an invitation is sent again, withdrawn or out of date, then its link answers a clear 4xx', async () => {
    const email = uniqueEmail('again');
    const first = await invite(email, 'staff');
    const { token: old } = await mailedToken(email);
    const second = await invite(email, 'manager');
    expect(second.json<{ id: string }>().id).not.toBe(first.json<{ id: string }>().id);
    const { token } = await mailedToken(email, 2);
    // Inviting again replaces the pending one: the old link is withdrawn, one invitation is listed.
    expect(codeOf(await call('POST', '/api/invitations/lookup', {}, { token: old }))).toBe(
      '410 INVITATION_REVOKED',
    );
    const listed = await call('GET', `/api/admin/organizations/${org}/invitations`, owner);
    expect(
      listed
        .json<{ invitations: { email: string; role: string }[] }>()
        .invitations.filter((i) => i.email === email.toLowerCase()),
    ).toEqual([expect.objectContaining({ role: 'manager' })]);

    const withdraw = `/api/admin/organizations/${org}/invitations/${second.json<{ id: string }>().id}`;
    expect((await call('DELETE', withdraw, owner)).statusCode).toBe(204);
    expect(codeOf(await call('DELETE', withdraw, owner))).toBe('404 INVITATION_NOT_FOUND');
    const headers = await signup(email, 'Late Comer');
    expect(codeOf(await call('POST', '/api/invitations/accept', headers, { token }))).toBe(
      '410 INVITATION_REVOKED',
    );

    // Past its 7 days: refused, and listed as expired.
    const lateEmail = uniqueEmail('late');
    const late = await invite(lateEmail, 'staff');
    const { token: lateToken } = await mailedToken(lateEmail);
    await t.db.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      late.json<{ id: string }>().id,
    ]);
    expect(codeOf(await call('POST', '/api/invitations/lookup', {}, { token: lateToken }))).toBe(
      '410 INVITATION_EXPIRED',
    );
    const lateHeaders = await signup(lateEmail, 'Too Late');
    expect(codeOf(await call('POST', '/api/invitations/accept', lateHeaders, { token: lateToken }))).toBe(
      '410 INVITATION_EXPIRED',
    );
    const expired = await call('GET', `/api/admin/organizations/${org}/invitations`, owner);
    expect(expired.json<{ invitations: { id: string; expired: boolean }[] }>().invitations).toContainEqual(
      expect.objectContaining({ id: late.json<{ id: string }>().id, expired: true }),
    );
    // A token nobody was sent.
    expect(codeOf(await call('POST', '/api/invitations/lookup', {}, { token: 'A'.repeat(43) }))).toBe(
      '404 INVITATION_NOT_FOUND',
    );
    const audit = await call('GET', `/api/admin/audit?action=invitation.revoke&organizationId=${org}`, owner);
    expect(audit.json<{ entries: unknown[] }>().entries).toHaveLength(1);
  });

  it('when the input is bad or the caller is not an owner, then 400 with the field, 404 or 403', async () => {
    const invitations = `/api/admin/organizations/${org}/invitations`;
    const field = async (method: string, url: string, headers: Headers, body?: object) => {
      const res = await call(method, url, headers, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      return res.json<{ error: { code: string; details: { field: string } } }>().error.details.field;
    };
    expect(await field('POST', invitations, owner, { email: 'not-an-email', role: 'staff' })).toContain(
      'email',
    );
    expect(await field('POST', invitations, owner, { email: uniqueEmail(), role: 'boss' })).toContain('role');
    expect(await field('POST', invitations, owner, { role: 'staff' })).toContain('email');
    expect(
      await field('POST', invitations, owner, { email: uniqueEmail(), role: 'staff', extra: 1 }),
    ).toBeTruthy();
    expect(await field('DELETE', `${invitations}/abc`, owner)).toContain('invitationId');
    expect(await field('POST', '/api/invitations/lookup', {}, { token: 'short' })).toContain('token');
    expect(await field('POST', '/api/invitations/accept', owner, {})).toContain('token');
    expect(
      codeOf(
        await call('POST', '/api/admin/organizations/999999999/invitations', admin, {
          email: uniqueEmail(),
          role: 'staff',
        }),
      ),
    ).toBe('404 ORGANIZATION_NOT_FOUND');
    expect(codeOf(await call('DELETE', `${invitations}/999999999`, owner))).toBe('404 INVITATION_NOT_FOUND');
    expect(codeOf(await call('GET', '/api/admin/organizations/999999999/invitations', admin))).toBe(
      '404 ORGANIZATION_NOT_FOUND',
    );
    // A manager of the organization may not invite; a buyer sees nothing of it.
    const managerEmail = uniqueEmail('inv-manager');
    await signup(managerEmail, 'Max Manager');
    expect(
      (
        await call('POST', `/api/admin/organizations/${org}/members`, owner, {
          email: managerEmail,
          role: 'manager',
        })
      ).statusCode,
    ).toBe(201);
    const manager = {
      authorization: `Bearer ${(await t.auth.login({ email: managerEmail, password: PASSWORD })).accessToken}`,
    };
    expect(codeOf(await invite(uniqueEmail(), 'staff', manager))).toBe('403 FORBIDDEN');
    expect(codeOf(await call('GET', invitations, manager))).toBe('403 FORBIDDEN');
    const buyer = await signup(uniqueEmail('inv-buyer'), 'Bo Buyer');
    expect(codeOf(await invite(uniqueEmail(), 'staff', buyer))).toBe('403 FORBIDDEN');
  });

  it('when an organization sends more than 50 invitations in an hour, then 429 with Retry-After, and another organization is not held up', async () => {
    const busyOwnerEmail = uniqueEmail('busy-owner');
    await signup(busyOwnerEmail, 'Busy Owner');
    const created = await call('POST', '/api/admin/organizations', admin, {
      name: 'Busy Hall',
      ownerEmail: busyOwnerEmail,
    });
    const busy = created.json<{ id: string }>().id;
    const busyOwner = {
      authorization: `Bearer ${(await t.auth.login({ email: busyOwnerEmail, password: PASSWORD })).accessToken}`,
    };
    const sendOne = () =>
      call('POST', `/api/admin/organizations/${busy}/invitations`, busyOwner, {
        email: uniqueEmail('invitee'),
        role: 'staff',
      });
    const statuses = [];
    for (let i = 0; i < 50; i++) statuses.push((await sendOne()).statusCode);
    expect(statuses).toEqual(Array(50).fill(201));
    const over = await sendOne();
    expect(codeOf(over)).toBe('429 RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // The count is the organization's: Moon Hall's owner still invites.
    expect((await invite(uniqueEmail('still-welcome'), 'staff')).statusCode).toBe(201);
  });
});
