import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRule } from '../src/auth/access-rule.js';
import { TEST_CARDS } from '../src/booking/payments.js';
import {
  adminHeaders,
  buyer,
  modes,
  startTestApp,
  uniqueEmail,
  waitForJob,
  type TestApp,
} from './harness.js';

// Issue 18, teams and roles: every route under /api/admin, as the app itself declares them, called by a
// buyer, by door staff, by a manager of another organization, and by the owner. A route added without
// a case here (or without an access rule) fails the first test.

type Headers = Record<string, string>;
const PASSWORD = 'plum-cactus-orbit-42';
const message = { subject: { en: 'Doors', ko: '입장' }, body: { en: 'Doors open at 7.', ko: '7시 입장.' } };
const day = 86_400_000;

/** What one organization has: every kind of record an admin route can name. */
interface World {
  /** The organization's letter: its name is `Org ${tag}`. */
  tag: string;
  org: string;
  venue: string;
  event: string;
  performance: string;
  job: string;
  order: string;
  code: string;
  broadcast: string;
  /** A member the owner may change or remove. */
  member: string;
  /** A pending invitation the owner may withdraw. */
  invitation: string;
}

/** A request to each admin route against one organization's records: valid, so only access decides. */
const CASES: Record<string, (w: World) => { url: string; body?: object }> = {
  'GET /api/admin/users': () => ({ url: '/api/admin/users' }),
  'POST /api/admin/venues': (w) => ({
    url: '/api/admin/venues',
    body: {
      name: 'Hall',
      sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 2 }],
      organizationId: w.org,
    },
  }),
  'PATCH /api/admin/venues/:id': (w) => ({
    url: `/api/admin/venues/${w.venue}`,
    body: { name: 'Role check hall' },
  }),
  'DELETE /api/admin/venues/:id': (w) => ({ url: `/api/admin/venues/${w.venue}` }),
  'GET /api/admin/venues/:id/layout': (w) => ({ url: `/api/admin/venues/${w.venue}/layout` }),
  'POST /api/admin/events': (w) => ({
    url: '/api/admin/events',
    body: {
      title: 'E',
      category: 'test',
      venueId: w.venue,
      prices: [{ grade: 'R', amount: 1 }],
      organizationId: w.org,
    },
  }),
  'PATCH /api/admin/events/:id': (w) => ({
    url: `/api/admin/events/${w.event}`,
    body: { title: 'Role check' },
  }),
  'DELETE /api/admin/events/:id': (w) => ({ url: `/api/admin/events/${w.event}` }),
  'POST /api/admin/events/:id/performances': (w) => ({
    url: `/api/admin/events/${w.event}/performances`,
    body: performanceBody(),
  }),
  'PATCH /api/admin/performances/:id': (w) => ({
    url: `/api/admin/performances/${w.performance}`,
    body: { maxTicketsPerUser: 4 },
  }),
  'DELETE /api/admin/performances/:id': (w) => ({ url: `/api/admin/performances/${w.performance}` }),
  'POST /api/admin/performances/:id/queue/pause': (w) => ({
    url: `/api/admin/performances/${w.performance}/queue/pause`,
  }),
  'POST /api/admin/performances/:id/queue/resume': (w) => ({
    url: `/api/admin/performances/${w.performance}/queue/resume`,
  }),
  'POST /api/admin/performances/:id/cancel': (w) => ({
    url: `/api/admin/performances/${w.performance}/cancel`,
    body: { reason: 'Role check' },
  }),
  'GET /api/admin/performances/:id/stats': (w) => ({ url: `/api/admin/performances/${w.performance}/stats` }),
  'GET /api/admin/orders': (w) => ({ url: `/api/admin/orders?performanceId=${w.performance}` }),
  'GET /api/admin/orders/:id': (w) => ({ url: `/api/admin/orders/${w.order}` }),
  'GET /api/admin/performances/:id/attendees.csv': (w) => ({
    url: `/api/admin/performances/${w.performance}/attendees.csv`,
  }),
  'GET /api/admin/performances/:id/orders.csv': (w) => ({
    url: `/api/admin/performances/${w.performance}/orders.csv`,
  }),
  'GET /api/admin/performances/:id/codes.csv': (w) => ({
    url: `/api/admin/performances/${w.performance}/codes.csv`,
  }),
  'POST /api/admin/performances/:id/codes': (w) => ({
    url: `/api/admin/performances/${w.performance}/codes`,
    body: { count: 1, maxUses: 1 },
  }),
  'GET /api/admin/performances/:id/codes': (w) => ({ url: `/api/admin/performances/${w.performance}/codes` }),
  'PATCH /api/admin/performances/:id/codes/:code': (w) => ({
    url: `/api/admin/performances/${w.performance}/codes/STAFF-CODE`,
    body: { maxUses: 5 },
  }),
  'PUT /api/admin/performances/:id/code-only-grades': (w) => ({
    url: `/api/admin/performances/${w.performance}/code-only-grades`,
    body: { grades: [] },
  }),
  'GET /api/admin/performances/:id/blocked-seats': (w) => ({
    url: `/api/admin/performances/${w.performance}/blocked-seats`,
  }),
  // Seat 5 is free (0 and 1 are sold): blocked, then released, in either order.
  'POST /api/admin/performances/:id/blocked-seats': (w) => ({
    url: `/api/admin/performances/${w.performance}/blocked-seats`,
    body: { seatNos: [5] },
  }),
  'POST /api/admin/performances/:id/blocked-seats/release': (w) => ({
    url: `/api/admin/performances/${w.performance}/blocked-seats/release`,
    body: { seatNos: [5] },
  }),
  'GET /api/admin/performances/:id/report': (w) => ({
    url: `/api/admin/performances/${w.performance}/report`,
  }),
  'GET /api/admin/jobs/:id': (w) => ({ url: `/api/admin/jobs/${w.job}` }),
  'POST /api/admin/orders/:id/refund': (w) => ({
    url: `/api/admin/orders/${w.order}/refund`,
    body: { reason: 'Asked' },
  }),
  'POST /api/admin/checkin': (w) => ({
    url: '/api/admin/checkin',
    body: { code: w.code, performanceId: w.performance },
  }),
  'GET /api/admin/performances/:id/checkins': (w) => ({
    url: `/api/admin/performances/${w.performance}/checkins`,
  }),
  'POST /api/admin/performances/:id/messages/preview': (w) => ({
    url: `/api/admin/performances/${w.performance}/messages/preview`,
    body: message,
  }),
  'POST /api/admin/performances/:id/messages': (w) => ({
    url: `/api/admin/performances/${w.performance}/messages`,
    body: message,
  }),
  'GET /api/admin/performances/:id/messages': (w) => ({
    url: `/api/admin/performances/${w.performance}/messages`,
  }),
  'GET /api/admin/messages/:id': (w) => ({ url: `/api/admin/messages/${w.broadcast}` }),
  'GET /api/admin/mail': () => ({ url: '/api/admin/mail' }),
  'GET /api/admin/organizations': () => ({ url: '/api/admin/organizations' }),
  'POST /api/admin/organizations': () => ({ url: '/api/admin/organizations', body: { name: 'New' } }),
  'GET /api/admin/organizations/:id/members': (w) => ({ url: `/api/admin/organizations/${w.org}/members` }),
  'POST /api/admin/organizations/:id/members': (w) => ({
    url: `/api/admin/organizations/${w.org}/members`,
    body: { email: uniqueEmail('nobody'), role: 'staff' },
  }),
  'PUT /api/admin/organizations/:id/members/:userId': (w) => ({
    url: `/api/admin/organizations/${w.org}/members/${w.member}`,
    body: { role: 'staff' },
  }),
  'DELETE /api/admin/organizations/:id/members/:userId': (w) => ({
    url: `/api/admin/organizations/${w.org}/members/${w.member}`,
  }),
  'GET /api/admin/audit': () => ({ url: '/api/admin/audit' }),
  'PATCH /api/admin/organizations/:id': (w) => ({
    url: `/api/admin/organizations/${w.org}`,
    body: { name: `Org ${w.tag}` },
  }),
  'DELETE /api/admin/organizations/:id': (w) => ({ url: `/api/admin/organizations/${w.org}` }),
  'GET /api/admin/organizations/:id/invitations': (w) => ({
    url: `/api/admin/organizations/${w.org}/invitations`,
  }),
  'POST /api/admin/organizations/:id/invitations': (w) => ({
    url: `/api/admin/organizations/${w.org}/invitations`,
    body: { email: uniqueEmail('invitee'), role: 'staff' },
  }),
  'DELETE /api/admin/organizations/:id/invitations/:invitationId': (w) => ({
    url: `/api/admin/organizations/${w.org}/invitations/${w.invitation}`,
  }),
};

/** The 404 each kind of record answers, for another organization's as for one that does not exist. */
const NOT_FOUND: Record<string, string> = {
  organization: 'ORGANIZATION_NOT_FOUND',
  venue: 'VENUE_NOT_FOUND',
  event: 'EVENT_NOT_FOUND',
  performance: 'PERFORMANCE_NOT_FOUND',
  order: 'ORDER_NOT_FOUND',
  job: 'JOB_NOT_FOUND',
  broadcast: 'MESSAGE_NOT_FOUND',
};

function performanceBody() {
  const now = Date.now();
  return {
    startsAt: new Date(now + 2 * day).toISOString(),
    salesOpenAt: new Date(now - 3600_000).toISOString(),
    salesCloseAt: new Date(now + day).toISOString(),
    queue: { enabled: false },
  };
}

describe.each(modes())('admin routes by role ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;
  const as: Record<string, Headers> = {};
  const ids: Record<string, string> = {};
  let a: World;
  let b: World;
  let routes: { method: string; url: string; rule: AccessRule | undefined }[];

  const call = (headers: Headers, method: string, c: { url: string; body?: object }) =>
    t.app.inject({ method: method as 'GET', url: c.url, headers, payload: c.body });
  const codeOf = (res: { statusCode: number; body: string }) =>
    `${res.statusCode} ${res.statusCode >= 400 ? (JSON.parse(res.body) as { error: { code: string } }).error.code : ''}`.trim();
  const login = async (email: string): Promise<Headers> => {
    const { accessToken } = await t.auth.login({ email, password: PASSWORD });
    return { authorization: `Bearer ${accessToken}` };
  };
  const account = async (name: string) => {
    const email = uniqueEmail(name.toLowerCase());
    const { user } = await t.auth.signup({ email, password: PASSWORD, name });
    ids[name] = user.id;
    ids[`${name}Email`] = email;
    return email;
  };
  const ok = async (headers: Headers, method: string, url: string, body?: object) => {
    const res = await call(headers, method, { url, body });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json<Record<string, unknown>>();
  };

  /** An organization made by the platform admin, its team, and one of everything, made by its manager. */
  const organization = async (tag: string): Promise<World> => {
    const owner = await account(`owner${tag}`);
    const org = await ok(admin, 'POST', '/api/admin/organizations', {
      name: `Org ${tag}`,
      ownerEmail: owner,
    });
    as[`owner${tag}`] = await login(owner);
    for (const [name, role] of [
      [`manager${tag}`, 'manager'],
      [`staff${tag}`, 'staff'],
      [`member${tag}`, 'staff'],
    ] as const) {
      await ok(as[`owner${tag}`]!, 'POST', `/api/admin/organizations/${String(org.id)}/members`, {
        email: await account(name),
        role,
      });
      as[name] = await login(ids[`${name}Email`]!);
    }
    const manager = as[`manager${tag}`]!;
    const venue = await ok(manager, 'POST', '/api/admin/venues', {
      name: `Hall ${tag}`,
      sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 5 }],
    });
    const event = await ok(manager, 'POST', '/api/admin/events', {
      title: `Show ${tag}`,
      category: 'test',
      venueId: venue.id,
      prices: [{ grade: 'R', amount: 1000 }],
    });
    const perf = await ok(
      manager,
      'POST',
      `/api/admin/events/${String(event.id)}/performances`,
      performanceBody(),
    );
    await waitForJob(t, String(perf.jobId));
    const who = await buyer(t);
    const hold = await ok(who.headers, 'POST', `/api/performances/${String(perf.id)}/holds`, {
      seatNos: [0, 1],
    });
    const order = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${String(hold.holdId)}/checkout`,
      headers: { ...who.headers, 'idempotency-key': `k-${tag}-${String(hold.holdId)}` },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    expect(order.statusCode).toBe(201);
    const broadcast = await ok(
      manager,
      'POST',
      `/api/admin/performances/${String(perf.id)}/messages`,
      message,
    );
    // An access code each organization's routes can change (PATCH …/codes/:code).
    await ok(manager, 'POST', `/api/admin/performances/${String(perf.id)}/codes`, {
      code: 'STAFF-CODE',
      maxUses: 5,
    });
    const invitation = await ok(
      as[`owner${tag}`]!,
      'POST',
      `/api/admin/organizations/${String(org.id)}/invitations`,
      { email: uniqueEmail('pending'), role: 'staff' },
    );
    return {
      tag,
      invitation: String(invitation.id),
      org: String(org.id),
      venue: String(venue.id),
      event: String(event.id),
      performance: String(perf.id),
      job: String(perf.jobId),
      order: String(order.json().id),
      code: order.json<{ tickets: { code: string }[] }>().tickets[0]!.code,
      broadcast: String(broadcast.id),
      member: ids[`member${tag}`]!,
    };
  };

  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
    as.buyer = (await buyer(t)).headers;
    a = await organization('A');
    b = await organization('B');
    routes = t.teams.access.routes.filter((r) => r.method !== 'HEAD');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('when the app declares its admin routes, then every one has an access rule and a case here', () => {
    const declared = routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(declared).toEqual(Object.keys(CASES).sort());
    expect(routes.filter((r) => r.rule === undefined).map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('when a buyer calls any admin route (HEAD too), then 403 FORBIDDEN; without a login 401', async () => {
    for (const r of routes) {
      const c = CASES[`${r.method} ${r.url}`]!(a);
      expect(`${r.method} ${r.url}: ${codeOf(await call(as.buyer!, r.method, c))}`).toBe(
        `${r.method} ${r.url}: 403 FORBIDDEN`,
      );
      expect(codeOf(await call({}, r.method, c))).toBe('401 UNAUTHENTICATED');
      if (r.method === 'GET') expect((await call(as.buyer!, 'HEAD', c)).statusCode).toBe(403);
    }
  });

  it('when a manager or staff of A names anything of B, then it is the 404 of a record that does not exist', async () => {
    for (const r of routes) {
      const c = CASES[`${r.method} ${r.url}`]!(b);
      const rule = r.rule!;
      const expected =
        rule.kind === 'resource'
          ? `404 ${NOT_FOUND[rule.resource]}`
          : rule.kind === 'create'
            ? '404 ORGANIZATION_NOT_FOUND'
            : undefined;
      if (expected === undefined) continue;
      for (const who of ['managerA', 'staffA', 'ownerA']) {
        expect(`${who} ${r.method} ${r.url}: ${codeOf(await call(as[who]!, r.method, c))}`).toBe(
          `${who} ${r.method} ${r.url}: ${expected}`,
        );
      }
    }
    // The same answer as an id nobody has.
    const unknown = await call(as.managerA!, 'PATCH', {
      url: '/api/admin/performances/999999999',
      body: { maxTicketsPerUser: 2 },
    });
    expect(codeOf(unknown)).toBe('404 PERFORMANCE_NOT_FOUND');
    // The lists a member reads are their own organization's: the order desk finds none of B's orders.
    const found = await ok(as.managerA!, 'GET', `/api/admin/orders?performanceId=${b.performance}`);
    expect(found.total).toBe(0);
    expect(
      (await ok(as.managerA!, 'GET', `/api/admin/orders?performanceId=${a.performance}`)).total,
    ).toBeGreaterThan(0);
    const orgs = await ok(as.managerA!, 'GET', '/api/admin/organizations');
    expect(orgs.organizations).toEqual([{ id: a.org, name: 'Org A', role: 'manager' }]);
  });

  it('when staff call admin routes of their own organization, then only the door answers; the rest is 403', async () => {
    const allowed: string[] = [];
    for (const r of routes) {
      const res = await call(as.staffA!, r.method, CASES[`${r.method} ${r.url}`]!(a));
      if (res.statusCode === 403) expect(codeOf(res)).toBe('403 FORBIDDEN');
      else allowed.push(`${r.method} ${r.url} ${res.statusCode}`);
    }
    expect(allowed.sort()).toEqual([
      'GET /api/admin/organizations 200',
      'GET /api/admin/performances/:id/checkins 200',
      'POST /api/admin/checkin 200',
    ]);
    // Their own door admits their own tickets only. B's genuine code at A's door is as unknown as a
    // forged one: the same 404, and nothing of B's performance (its id, its start) in the answer.
    const scan = (code: string) =>
      call(as.staffA!, 'POST', { url: '/api/admin/checkin', body: { code, performanceId: a.performance } });
    const wrong = await scan(b.code);
    const forged = await scan(`${b.code.slice(0, -3)}abc`);
    expect(codeOf(wrong)).toBe('404 TICKET_NOT_FOUND');
    expect(wrong.json()).toEqual(forged.json());
    expect(wrong.body).not.toContain(b.performance);
    // B's ticket was not used up by A's door: B's own staff admit it.
    const atB = await call(as.staffB!, 'POST', {
      url: '/api/admin/checkin',
      body: { code: b.code, performanceId: b.performance },
    });
    expect(atB.statusCode).toBe(200);
    // The steward is recorded: the desk's timeline and the audit log name the staff member who scanned.
    const desk = await ok(as.managerA!, 'GET', `/api/admin/orders/${a.order}`);
    const checkedIn = (desk.timeline as { kind: string; actor: unknown }[]).filter(
      (e) => e.kind === 'checked-in',
    );
    expect(checkedIn.map((e) => e.actor)).toEqual([
      { role: 'admin', id: ids.staffA, email: ids.staffAEmail!.toLowerCase() },
    ]);
    const audit = await ok(as.ownerA!, 'GET', '/api/admin/audit?action=ticket.checkin');
    expect((audit.entries as { actor: { id: string } }[]).map((e) => e.actor.id)).toEqual([ids.staffA]);
  });

  it('when a manager runs their own sale, then every manage route answers; members and the audit log are 403', async () => {
    const refused: string[] = [];
    for (const r of routes) {
      // What would end the records the later tests use (deleting them, cancelling the performance).
      if (r.method === 'DELETE' && r.url !== '/api/admin/organizations/:id/members/:userId') continue;
      if (r.url.endsWith('/cancel')) continue;
      const res = await call(as.managerA!, r.method, CASES[`${r.method} ${r.url}`]!(a));
      expect(res.statusCode, `${r.method} ${r.url}`).not.toBe(404);
      if (res.statusCode === 403) refused.push(`${r.method} ${r.url}`);
    }
    expect(refused.sort()).toEqual(
      [
        'DELETE /api/admin/organizations/:id/members/:userId',
        'PATCH /api/admin/organizations/:id',
        'GET /api/admin/organizations/:id/invitations',
        'POST /api/admin/organizations/:id/invitations',
        'GET /api/admin/audit',
        'GET /api/admin/mail',
        'GET /api/admin/organizations/:id/members',
        'GET /api/admin/users',
        'POST /api/admin/organizations',
        'POST /api/admin/organizations/:id/members',
        'PUT /api/admin/organizations/:id/members/:userId',
      ].sort(),
    );
  });

  it('when an owner manages members, then roles change at once, unknown accounts and the last owner are refused', async () => {
    const members = `/api/admin/organizations/${a.org}/members`;
    const listed = await ok(as.ownerA!, 'GET', members);
    expect((listed.members as { role: string }[]).map((m) => m.role).sort()).toEqual(
      ['manager', 'owner', 'staff', 'staff'].sort(),
    );
    expect(
      codeOf(
        await call(as.ownerA!, 'POST', {
          url: members,
          body: { email: uniqueEmail('nobody'), role: 'staff' },
        }),
      ),
    ).toBe('404 ACCOUNT_NOT_FOUND');
    expect(
      codeOf(
        await call(as.ownerA!, 'POST', { url: members, body: { email: ids.staffAEmail, role: 'manager' } }),
      ),
    ).toBe('409 ALREADY_MEMBER');
    expect(
      codeOf(
        await call(as.ownerA!, 'POST', { url: members, body: { email: ids.staffAEmail, role: 'boss' } }),
      ),
    ).toBe('400 VALIDATION_FAILED');
    // Staff made manager: the old session ends on the spot; the new one may run the sale.
    const promoted = await call(as.ownerA!, 'PUT', {
      url: `${members}/${ids.memberA}`,
      body: { role: 'manager' },
    });
    expect(promoted.json()).toMatchObject({ userId: ids.memberA, role: 'manager' });
    expect(codeOf(await call(as.memberA!, 'GET', { url: '/api/admin/organizations' }))).toBe(
      '401 SESSION_ENDED',
    );
    const member = await login(ids.memberAEmail!);
    expect(
      (await call(member, 'GET', { url: `/api/admin/performances/${a.performance}/stats` })).statusCode,
    ).toBe(200);
    // Removed: nothing of /api/admin is theirs any more.
    expect((await call(as.ownerA!, 'DELETE', { url: `${members}/${ids.memberA}` })).statusCode).toBe(204);
    expect(codeOf(await call(member, 'GET', { url: '/api/admin/organizations' }))).toBe('401 SESSION_ENDED');
    const removed = await login(ids.memberAEmail!);
    expect(codeOf(await call(removed, 'GET', { url: '/api/admin/organizations' }))).toBe('403 FORBIDDEN');
    // The last owner can neither step down nor leave; with a second owner they can.
    expect(
      codeOf(await call(as.ownerA!, 'PUT', { url: `${members}/${ids.ownerA}`, body: { role: 'manager' } })),
    ).toBe('409 LAST_OWNER');
    expect(codeOf(await call(as.ownerA!, 'DELETE', { url: `${members}/${ids.ownerA}` }))).toBe(
      '409 LAST_OWNER',
    );
    expect(codeOf(await call(as.ownerA!, 'DELETE', { url: `${members}/999999999` }))).toBe(
      '404 MEMBER_NOT_FOUND',
    );
    await ok(as.ownerA!, 'POST', members, { email: ids.memberAEmail, role: 'owner' });
    expect(
      (await call(as.ownerA!, 'PUT', { url: `${members}/${ids.ownerA}`, body: { role: 'manager' } }))
        .statusCode,
    ).toBe(200);
  });

  it('when admin actions are taken, then each is in the audit log with who, what and before/after, scoped to the owner', async () => {
    await ok(as.managerB!, 'PATCH', `/api/admin/performances/${b.performance}`, { maxTicketsPerUser: 3 });
    const mine = await ok(
      as.ownerB!,
      'GET',
      `/api/admin/audit?target=performance:${b.performance}&action=performance.update`,
    );
    type Entry = { summary: { before: Record<string, unknown>; after: Record<string, unknown> } };
    const entry = (mine.entries as Entry[])[0]!;
    expect(entry).toMatchObject({
      actor: { id: ids.managerB, email: ids.managerBEmail },
      action: 'performance.update',
      target: { type: 'performance', id: b.performance },
      organizationId: b.org,
    });
    expect(entry.summary.before.max_tickets_per_user).not.toBe(3);
    expect(entry.summary.after.maxTicketsPerUser).toBe(3);
    // The whole story of B, and none of A's.
    const all = await ok(as.ownerB!, 'GET', '/api/admin/audit');
    const actions = (all.entries as { action: string; organizationId: string }[]).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'member.add',
        'venue.create',
        'event.create',
        'performance.create',
        'message.send',
      ]),
    );
    expect(new Set((all.entries as { organizationId: string }[]).map((e) => e.organizationId))).toEqual(
      new Set([b.org]),
    );
    const byActor = await ok(
      as.ownerB!,
      'GET',
      `/api/admin/audit?actor=${encodeURIComponent(ids.managerBEmail!)}`,
    );
    expect((byActor.entries as { actor: { id: string } }[]).every((e) => e.actor.id === ids.managerB)).toBe(
      true,
    );
    // The platform admin sees every organization's.
    const platform = await ok(admin, 'GET', '/api/admin/audit?action=organization.create');
    expect((platform.entries as { target: { id: string } }[]).map((e) => e.target.id)).toEqual(
      expect.arrayContaining([a.org, b.org]),
    );
    for (const bad of ['?page=0', '?target=performance:abc', '?action=DROP%20TABLE', '?nope=1'])
      expect(codeOf(await call(as.ownerB!, 'GET', { url: `/api/admin/audit${bad}` }))).toBe(
        '400 VALIDATION_FAILED',
      );
  });

  it('when input is malformed, then 400 with its field, never a 500', async () => {
    const bad: [string, string, object | undefined][] = [
      ['POST', '/api/admin/organizations', { name: '' }],
      ['POST', '/api/admin/organizations', { name: 'x', extra: 1 }],
      ['POST', '/api/admin/organizations', { name: 'x', ownerEmail: 'not-an-email' }],
      ['PUT', `/api/admin/organizations/${a.org}/members/abc`, { role: 'staff' }],
      ['GET', '/api/admin/organizations/0/members', undefined],
      [
        'POST',
        '/api/admin/venues',
        { name: 'x', sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 1 }], organizationId: 'x' },
      ],
    ];
    for (const [method, url, body] of bad)
      expect(codeOf(await call(admin, method, { url, body }))).toBe('400 VALIDATION_FAILED');
    expect(
      codeOf(
        await call(admin, 'POST', {
          url: '/api/admin/organizations',
          body: { name: 'x', ownerEmail: uniqueEmail() },
        }),
      ),
    ).toBe('404 ACCOUNT_NOT_FOUND');
  });
});
