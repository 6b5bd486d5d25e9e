import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, modes, startTestApp, uniqueEmail, type TestApp } from '../../test/harness.js';

// Issue 18: an organization is renamed or deleted by its owners (or a platform admin); deleting one
// that still owns venues or events is refused with a code; both are in the audit log.

type Headers = Record<string, string>;
const PASSWORD = 'plum-cactus-orbit-42';

describe.each(modes())('renaming and deleting organizations ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;

  const call = (method: string, url: string, headers: Headers, payload?: object) =>
    t.app.inject({ method: method as 'POST', url, headers, payload });
  const codeOf = (res: { statusCode: number; json: () => { error?: { code: string } } }) =>
    `${res.statusCode} ${res.statusCode >= 400 ? res.json().error!.code : ''}`.trim();
  const login = async (email: string) => ({
    authorization: `Bearer ${(await t.auth.login({ email, password: PASSWORD })).accessToken}`,
  });
  /** A new organization with a fresh owner and a manager, each logged in. */
  const organization = async (name: string) => {
    const ownerEmail = uniqueEmail('org-owner');
    const managerEmail = uniqueEmail('org-manager');
    await t.auth.signup({ email: ownerEmail, password: PASSWORD, name: 'Owner' });
    await t.auth.signup({ email: managerEmail, password: PASSWORD, name: 'Manager' });
    const res = await call('POST', '/api/admin/organizations', admin, { name, ownerEmail });
    const id = res.json<{ id: string }>().id;
    const owner = await login(ownerEmail);
    await call('POST', `/api/admin/organizations/${id}/members`, owner, {
      email: managerEmail,
      role: 'manager',
    });
    return { id, owner, ownerEmail, manager: await login(managerEmail) };
  };

  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when an owner renames the organization, then its members see the new name and the log has before and after', async () => {
    const org = await organization('Old Name');
    const other = await organization('Elsewhere');
    const renamed = await call('PATCH', `/api/admin/organizations/${org.id}`, org.owner, {
      name: '  New Name ',
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toEqual({ id: org.id, name: 'New Name' });
    const seen = await call('GET', '/api/admin/organizations', org.manager);
    expect(seen.json()).toEqual({ organizations: [{ id: org.id, name: 'New Name', role: 'manager' }] });
    const audit = await call('GET', `/api/admin/audit?action=organization.rename`, org.owner);
    expect(audit.json<{ entries: unknown[] }>().entries).toEqual([
      expect.objectContaining({
        target: { type: 'organization', id: org.id },
        summary: { before: { name: 'Old Name' }, after: { name: 'New Name' } },
      }),
    ]);
    // A platform admin may too; a manager may not; another organization's owner finds nothing.
    expect(
      (await call('PATCH', `/api/admin/organizations/${org.id}`, admin, { name: 'By Admin' })).statusCode,
    ).toBe(200);
    expect(
      codeOf(await call('PATCH', `/api/admin/organizations/${org.id}`, org.manager, { name: 'X' })),
    ).toBe('403 FORBIDDEN');
    expect(
      codeOf(await call('PATCH', `/api/admin/organizations/${org.id}`, other.owner, { name: 'X' })),
    ).toBe('404 ORGANIZATION_NOT_FOUND');
    // Bad input names its field; an unknown id is 404.
    for (const body of [
      { name: '' },
      { name: '   ' },
      {},
      { name: 'x'.repeat(201) },
      { name: 'ok', extra: 1 },
    ]) {
      const res = await call('PATCH', `/api/admin/organizations/${org.id}`, org.owner, body);
      expect(codeOf(res), JSON.stringify(body)).toBe('400 VALIDATION_FAILED');
    }
    const noName = await call('PATCH', `/api/admin/organizations/${org.id}`, org.owner, {});
    expect(noName.json<{ error: { details: { field: string } } }>().error.details.field).toContain('name');
    expect(codeOf(await call('PATCH', '/api/admin/organizations/abc', admin, { name: 'X' }))).toBe(
      '400 VALIDATION_FAILED',
    );
    expect(codeOf(await call('PATCH', '/api/admin/organizations/999999999', admin, { name: 'X' }))).toBe(
      '404 ORGANIZATION_NOT_FOUND',
    );
  });

  it('when an owner deletes an organization, then only once it owns nothing; its members lose it at once', async () => {
    const org = await organization('Short Lived');
    const venue = await call('POST', '/api/admin/venues', org.owner, {
      name: 'Tiny Hall',
      sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 2 }],
    });
    expect(venue.statusCode, venue.body).toBe(201);
    const refused = await call('DELETE', `/api/admin/organizations/${org.id}`, org.owner);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'ORGANIZATION_NOT_EMPTY',
      details: { venues: 1, events: 0 },
    });
    expect(codeOf(await call('DELETE', `/api/admin/organizations/${org.id}`, org.manager))).toBe(
      '403 FORBIDDEN',
    );
    expect(
      (await call('DELETE', `/api/admin/venues/${venue.json<{ id: string }>().id}`, org.owner)).statusCode,
    ).toBe(204);

    const deleted = await call('DELETE', `/api/admin/organizations/${org.id}`, org.owner);
    expect(deleted.statusCode).toBe(204);
    // The owner's own session ended too, and the answer carries a new one, so the page is not logged out.
    const renewed = deleted.cookies.find((c) => c.name === 'tmomi_session');
    expect(renewed?.value).toBeTruthy();
    expect(codeOf(await call('GET', '/api/me', { cookie: `tmomi_session=${renewed!.value}` }))).toBe('200');
    // Every member's session ended with it; logged in again, they have no organization.
    expect(codeOf(await call('GET', '/api/admin/organizations', org.manager))).toBe('401 SESSION_ENDED');
    expect(codeOf(await call('GET', '/api/admin/organizations', await login(org.ownerEmail)))).toBe(
      '403 FORBIDDEN',
    );
    expect(codeOf(await call('GET', `/api/admin/organizations/${org.id}/members`, admin))).toBe(
      '404 ORGANIZATION_NOT_FOUND',
    );
    expect(codeOf(await call('DELETE', `/api/admin/organizations/${org.id}`, admin))).toBe(
      '404 ORGANIZATION_NOT_FOUND',
    );
    const audit = await call(
      'GET',
      `/api/admin/audit?target=organization:${org.id}&action=organization.delete`,
      admin,
    );
    expect(audit.json<{ entries: unknown[] }>().entries).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ email: org.ownerEmail.toLowerCase() }),
        summary: expect.objectContaining({ before: expect.objectContaining({ name: 'Short Lived' }) }),
      }),
    ]);
    // The default organization holds what is made without naming one: it stays.
    expect(codeOf(await call('DELETE', '/api/admin/organizations/1', admin))).toBe(
      '409 ORGANIZATION_IS_DEFAULT',
    );
    expect(codeOf(await call('DELETE', '/api/admin/organizations/abc', admin))).toBe('400 VALIDATION_FAILED');
  });
});
